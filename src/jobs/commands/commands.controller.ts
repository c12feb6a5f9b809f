import { once } from 'node:events';
import { Transform } from 'node:stream';
import {
  Controller,
  Inject,
  Param,
  PayloadTooLargeException,
  Post,
  Query,
  Req,
  Res,
} from '@nestjs/common';
import type { Request, Response } from 'express';
import { childProcessConfig, type ChildProcessConfig } from '../../config';
import { RequestSignal } from '../../common/http/request-signal.decorator';
import { CommandsService } from './commands.service';

/**
 * Output held back before the response is committed: a command that fails, times out or
 * passes its output cap within it gets a proper status (422, 504, 502). Past it, output
 * streams as it comes, and a later failure can only cut the response short.
 */
const COMMIT_AFTER_BYTES = 64 * 1024;

@Controller('commands')
export class CommandsController {
  constructor(
    private readonly commands: CommandsService,
    @Inject(childProcessConfig.KEY) private readonly config: ChildProcessConfig,
  ) {}

  /** `POST /commands/:name?param=…`: the body is the command's stdin, its stdout the response. */
  @Post(':name')
  async run(
    @Param('name') name: string,
    @Query() query: Record<string, unknown>,
    @Req() request: Request,
    @Res() response: Response,
    @RequestSignal() clientGone: AbortSignal,
  ): Promise<void> {
    const { command, args } = this.commands.prepare(name, query);
    const limit = this.config.maxInputBytes;
    if (Number(request.headers['content-length']) > limit) throw this.tooLarge(request, limit);

    const cancel = new AbortController();
    clientGone.addEventListener('abort', () => cancel.abort(clientGone.reason), { once: true });
    let overflow: PayloadTooLargeException | undefined;
    const input = request.pipe(
      capped(limit, () => {
        overflow = this.tooLarge(request, limit);
        cancel.abort(overflow);
      }),
    );
    try {
      const running = await this.commands.start(command, args, input, cancel.signal);
      await this.respond(response, running.stdout, running.result);
    } catch (error) {
      throw overflow ?? error;
    }
  }

  private async respond(
    response: Response,
    stdout: NodeJS.ReadableStream,
    result: Promise<unknown>,
  ): Promise<void> {
    const held: Buffer[] = [];
    let size = 0;
    let committed = false;
    try {
      for await (const chunk of stdout as AsyncIterable<Buffer>) {
        if (!committed && size + chunk.length <= COMMIT_AFTER_BYTES) {
          held.push(chunk);
          size += chunk.length;
          continue;
        }
        if (!committed) {
          committed = true;
          response.status(200).type('application/octet-stream');
          response.write(Buffer.concat(held, size));
        }
        if (!response.write(chunk)) await once(response, 'drain');
      }
      await result;
    } catch (error) {
      if (!committed) throw error;
      response.destroy(error as Error); // the status is out: cutting the response is all that is left
      return;
    }
    if (committed) response.end();
    else response.status(200).type('application/octet-stream').send(Buffer.concat(held, size));
  }

  private tooLarge(request: Request, limit: number): PayloadTooLargeException {
    request.res?.setHeader('Connection', 'close');
    return new PayloadTooLargeException(`The input is larger than the limit of ${limit} bytes`);
  }
}

/** Passes at most `limit` bytes through; past that, calls `onOverflow` and stops. */
function capped(limit: number, onOverflow: () => void): Transform {
  let size = 0;
  return new Transform({
    transform(chunk: Buffer, _encoding, callback) {
      size += chunk.length;
      if (size > limit) {
        onOverflow();
        callback();
        return;
      }
      callback(null, chunk);
    },
  });
}
