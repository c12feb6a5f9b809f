/**
 * The shipped workloads, one line each: AppModule imports every Nest module exported here.
 * Remove a workload by deleting its folder and its line below; add one with a line of its
 * own. Export only modules from this file.
 *
 * Runs in: the app worker (controllers, services). A workload's `*.worker.ts` files run on
 * pool threads, the commands it runs are processes of their own. Its tests live in its
 * folder's `test/` (test/support/workloads.ts tells how the shared suites find them).
 */
export { ImageModule } from './image/image.module';
export { PdfModule } from './pdf/pdf.module';
export { CommandsModule } from './commands/commands.module';
