import type { Readable } from 'node:stream';
import { finished } from 'node:stream/promises';
import { Controller, Inject, Param, Post, Query, Req, Res } from '@nestjs/common';
import {
  ApiOkResponse,
  ApiOperation,
  ApiParam,
  ApiQuery,
  ApiTags,
  ApiUnprocessableEntityResponse,
  type OpenAPIObject,
} from '@nestjs/swagger';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { bodyTooLarge, declaredOver, drainUnread } from '../../common/http/body-limits';
import { ByteBudget } from '../../common/http/byte-budget';
import { readAhead } from '../../common/http/read-ahead';
import { RouteBody } from '../../common/http/route-body';
import {
  childProcessConfig,
  type ChildProcessConfig,
  commandsConfig,
  type CommandsConfig,
} from '../../config';
import { RequestSignal } from '../../common/http/request-signal.decorator';
import {
  ApiErrors,
  binaryContent,
  type DescribesOpenApi,
  findOperation,
  findParameter,
} from '../../docs';
import { CommandFailedBody, describeCommands } from './commands.openapi';
import { CommandsService } from './commands.service';

/**
 * Output held back before the response is committed: a command that fails, times out or
 * passes its output cap within it gets a proper status (422, 504, 502). Past it, output
 * streams as it comes, and a later failure can only cut the response short.
 */
const COMMIT_AFTER_BYTES = 64 * 1024;

const RUN_DESCRIPTION =
  "Runs a command from the allowlist (COMMANDS_CONFIG): the body is streamed to the command's " +
  'stdin, its stdout is the response. Query parameters fill the placeholders of its arguments; ' +
  'unknown ones are refused. Output is held back until 64 KiB or the end, so a command that ' +
  'fails early gets its status; past that the response streams, and a later failure cuts it short.';

@ApiTags('commands')
@Controller('commands')
export class CommandsController implements DescribesOpenApi {
  /**
   * Request bodies read ahead of their commands, so that a client that leaves is seen while
   * its command is slow to read stdin or still waits for a slot: room for every running
   * command's whole input. Past it, bodies wait on their sockets (back-pressure).
   */
  private readonly readAheadBudget: ByteBudget;

  constructor(
    private readonly commands: CommandsService,
    @Inject(commandsConfig.KEY) private readonly config: CommandsConfig,
    @Inject(childProcessConfig.KEY) runnerConfig: ChildProcessConfig,
  ) {
    this.readAheadBudget = new ByteBudget(config.maxInputBytes * runnerConfig.maxConcurrency);
  }

  /** `POST /commands/:name?param=…`: the body is the command's stdin, its stdout the response. */
  @Post(':name')
  // Any content type, left unread by the parser: streamed to the command as it arrives.
  @RouteBody({ kind: 'stream', limit: 'commands.maxInputBytes' })
  @ApiOperation({
    operationId: 'runCommand',
    summary: 'Run an allowlisted command',
    description: RUN_DESCRIPTION,
    requestBody: {
      required: false,
      description: "Any bytes, up to CHILD_PROCESS_MAX_INPUT_BYTES: the command's stdin.",
      content: binaryContent('application/octet-stream', '*/*'),
    },
  })
  @ApiParam({ name: 'name', description: 'A command of the allowlist.' })
  @ApiQuery({
    name: 'params',
    required: false,
    description: "The command's parameters, each as its own query parameter (see the list above).",
    style: 'form',
    explode: true,
    schema: { type: 'object', additionalProperties: { type: 'string' } },
  })
  @ApiOkResponse({
    description: "The command's stdout.",
    content: binaryContent('application/octet-stream'),
  })
  @ApiUnprocessableEntityResponse({
    description: 'The command exited with a non-zero code or was killed by a signal.',
    type: CommandFailedBody,
    example: {
      statusCode: 422,
      error: 'Unprocessable Entity',
      message: 'Command /usr/bin/gzip exited with code 1',
      exitCode: 1,
      signal: null,
      stderrTail: 'gzip: stdin: unexpected end of file',
    },
  })
  @ApiErrors({
    400: 'An invalid or unknown query parameter.',
    404: 'No command of that name in the allowlist.',
    413: 'A body over CHILD_PROCESS_MAX_INPUT_BYTES.',
    415: 'A Content-Encoding other than identity: the body goes to stdin as sent, so send it unencoded.',
    502: "The command's output passed its cap (CHILD_PROCESS_MAX_OUTPUT_BYTES or its own).",
    503: 'The runner queue is full, or the service is shutting down.',
    504: 'The command passed its deadline (CHILD_PROCESS_TIMEOUT_MS or its own), queue wait included.',
    500: 'An unexpected failure.',
  })
  async run(
    @Param('name') name: string,
    @Query() query: Record<string, unknown>,
    @Req() request: FastifyRequest,
    @Res() reply: FastifyReply,
    @RequestSignal() clientGone: AbortSignal,
  ): Promise<void> {
    const { command, args } = this.commands.prepare(name, query);
    const limit = this.config.maxInputBytes;
    const body = request.raw;
    // The content-type parsers check this, but @fastify/multipart's takes multipart/form-data
    // bodies past them: a command's stdin is bytes, whatever the client calls them.
    if (declaredOver(body, limit)) throw bodyTooLarge(limit, 'The input');

    const cancel = new AbortController();
    clientGone.addEventListener('abort', () => cancel.abort(clientGone.reason), { once: true });
    let overflow: Error | undefined;
    const input = readAhead(body, {
      limit,
      budget: this.readAheadBudget,
      onOverflow: () => {
        overflow = this.tooLarge(reply, limit);
        cancel.abort(overflow);
      },
    });
    try {
      const running = await this.commands.start(command, args, input, cancel.signal);
      await this.respond(reply, running.stdout, running.result);
    } catch (error) {
      throw overflow ?? error;
    } finally {
      // A command may exit without reading all of its stdin (`head -c1`). The rest of the
      // body waits in the read-ahead, in the request stream or on the connection, in front
      // of the client's next request: drop it and read the rest, so keep-alive goes on cleanly.
      input.destroy();
      drainUnread(body, limit);
    }
  }

  /** The allowlist is loaded at boot: the docs list its names and each one's parameters. */
  describeOpenApi(document: OpenAPIObject): void {
    const operation = findOperation(document, 'runCommand');
    const commands = this.commands.definitions();
    const name = findParameter(operation, 'name');
    if (!operation || !name) return;
    name.schema = { type: 'string', enum: commands.map((command) => command.name) };
    operation.description = `${RUN_DESCRIPTION}\n\nCommands and their parameters:\n\n${describeCommands(commands)}`;
  }

  private async respond(
    reply: FastifyReply,
    stdout: NodeJS.ReadableStream,
    result: Promise<unknown>,
  ): Promise<void> {
    const { held, ended } = await holdBack(stdout, COMMIT_AFTER_BYTES);
    reply.code(200).type('application/octet-stream');
    if (ended) {
      await result; // a failure here still gets its own status
      void reply.send(held);
      return;
    }
    // Committed: the held bytes go first, then the rest as it comes, through Fastify's
    // stream handling (back-pressure; a source that errors destroys the response).
    const source = stdout as Readable;
    source.unshift(held);
    void reply.send(source);
    try {
      // stdout ends only if the command succeeds; a failure errors it, and the response is
      // then cut short: the status is out, that is all that is left.
      await finished(source);
      await result;
    } catch (error) {
      reply.raw.destroy(error as Error);
    }
  }

  private tooLarge(reply: FastifyReply, limit: number): Error {
    // Past the answer (a body drained after the command), the connection itself must go.
    if (reply.raw.headersSent) reply.raw.socket?.destroy();
    return bodyTooLarge(limit, 'The input');
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
