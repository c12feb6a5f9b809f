import { Module, Optional } from '@nestjs/common';
import { paramAfter, RouteDeadlines } from '../../common/http/deadlines';
import { CommandsController } from './commands.controller';
import { CommandsService } from './commands.service';

/**
 * `POST /commands/:name`: runs an allowlisted command from config/commands.json.
 * Needs `ChildProcessModule` in the app (global, as AppModule imports it) and the
 * `commands` and `childProcess` configs.
 */
@Module({
  controllers: [CommandsController],
  providers: [CommandsService],
})
export class CommandsModule {
  constructor(commands: CommandsService, @Optional() deadlines?: RouteDeadlines) {
    // Each command's own deadline (queue wait included); unknown names answer 404 at once.
    deadlines?.register({
      method: 'POST',
      route: '/commands/:name',
      matches: (path) => paramAfter('/commands', path) !== undefined,
      ms: (path) => commands.deadlineOf(paramAfter('/commands', path)!),
    });
  }
}
