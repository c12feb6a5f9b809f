import { createParamDecorator, type ExecutionContext } from '@nestjs/common';
import type { FastifyReply } from 'fastify';

/**
 * An AbortSignal that fires when the client goes away before its response is complete,
 * so queued work for a request nobody waits for is dropped. (Fastify's own `request.signal`
 * also fires when a fully read request closes, which is not a departure.)
 */
export const RequestSignal = createParamDecorator((_: unknown, context: ExecutionContext) => {
  const response = context.switchToHttp().getResponse<FastifyReply>().raw;
  const controller = new AbortController();
  response.once('close', () => {
    if (!response.writableFinished) controller.abort(new Error('client disconnected'));
  });
  return controller.signal;
});
