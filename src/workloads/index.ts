/**
 * The shipped workloads, one line each: AppModule imports every Nest module exported here.
 * Remove a workload by deleting its folder and its line below; add one with a line of its
 * own. Export only modules from this file.
 */
export { ImageModule } from './image/image.module';
export { PdfModule } from './pdf/pdf.module';
export { CommandsModule } from './commands/commands.module';
