import { Module } from '@nestjs/common';
import { CommandsController } from './commands.controller';
import { CommandsService } from './commands.service';

/**
 * `POST /commands/:name`: runs an allowlisted command from config/commands.json.
 * Needs `ChildProcessModule` in the app (global, as AppModule imports it) and the
 * `childProcess` config.
 */
@Module({
  controllers: [CommandsController],
  providers: [CommandsService],
})
export class CommandsModule {}
