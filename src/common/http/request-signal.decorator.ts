import { createParamDecorator, type ExecutionContext } from '@nestjs/common';
import type { FastifyReply } from 'fastify';

/**
 * An AbortSignal that fires when the response closes: the client went away before it was
 * complete, or someone else answered (the deadline guard's 504, the body-rate guard's 408)
 * while the handler's work still runs. Either way nobody waits for that work: queued work is
 * dropped, a running command stopped. Work already done ignores it. (Fastify's own
 * `request.signal` fires when the request closes, which for a fully read request says
 * nothing about the response.)
 */
export const RequestSignal = createParamDecorator((_: unknown, context: ExecutionContext) => {
  const response = context.switchToHttp().getResponse<FastifyReply>().raw;
  const controller = new AbortController();
  response.once('close', () => {
    controller.abort(
      new Error(response.writableFinished ? 'the response was sent' : 'client disconnected'),
    );
  });
  return controller.signal;
});
