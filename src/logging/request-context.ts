import { AsyncLocalStorage } from 'node:async_hooks';
import type { FastifyBaseLogger } from 'fastify';

/**
 * The logger of the request being served, for the lines Nest's `Logger` writes while it runs
 * (AppLogger). Set by LoggingModule's `onRequest` hook around the rest of the request's
 * lifecycle, so continuations of the handler see it too.
 */
export const requestContext = new AsyncLocalStorage<FastifyBaseLogger>();
