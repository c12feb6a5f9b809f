import { Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
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
    const { held, ended } = await holdBack(stdout, COMMIT_AFTER_BYTES);
    if (ended) {
      await result; // a failure here still gets its own status
      response.status(200).type('application/octet-stream').send(held);
      return;
    }
    response.status(200).type('application/octet-stream');
    response.write(held);
    try {
      // stdout ends only if the command succeeds; a failure errors it, and pipeline() then
      // cuts the response: the status is out, cutting it short is all that is left.
      await pipeline(stdout, response);
      await result;
    } catch (error) {
      response.destroy(error as Error);
    }
  }

  private tooLarge(request: Request, limit: number): PayloadTooLargeException {
    request.res?.setHeader('Connection', 'close');
    return new PayloadTooLargeException(`The input is larger than the limit of ${limit} bytes`);
  }
}

/**
 * Reads `stream` until it ends or more than `limit` bytes came; then pauses it. Rejects
 * with the stream's error.
 */
function holdBack(
  stream: NodeJS.ReadableStream,
  limit: number,
): Promise<{ held: Buffer; ended: boolean }> {
  const chunks: Buffer[] = [];
  let size = 0;
  return new Promise((resolve, reject) => {
    const done = (ended: boolean) => {
      stream
        .removeListener('data', onData)
        .removeListener('end', onEnd)
        .removeListener('error', onError);
      resolve({ held: Buffer.concat(chunks, size), ended });
    };
    const onData = (chunk: Buffer) => {
      chunks.push(chunk);
      size += chunk.length;
      if (size > limit) {
        stream.pause();
        done(false);
      }
    };
    const onEnd = () => done(true);
    const onError = (error: Error) => {
      stream.removeListener('data', onData).removeListener('end', onEnd);
      reject(error);
    };
    stream.on('data', onData).once('end', onEnd).once('error', onError);
  });
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
