import { envInt } from './env';

type Env = Readonly<Record<string, string | undefined>>;

export interface HttpConfig {
  /**
   * A socket with no bytes in either direction this long is closed (Fastify's
   * `connectionTimeout`): a client that stopped reading a response or sending a body. Keep it
   * above the longest route deadline. `HTTP_CONNECTION_TIMEOUT_MS`, default 60 s; 0 = off.
   */
  connectionTimeoutMs: number;
  /**
   * The whole request, headers and body, must have arrived within this (Fastify's
   * `requestTimeout`), else 408 and the connection is closed. `HTTP_REQUEST_TIMEOUT_MS`,
   * default 60 s; 0 = off.
   */
  requestTimeoutMs: number;
  /** The headers must have arrived within this. `HTTP_HEADERS_TIMEOUT_MS`, default 10 s. */
  headersTimeoutMs: number;
  /**
   * An idle keep-alive connection is closed after this (Fastify's `keepAliveTimeout`).
   * `HTTP_KEEP_ALIVE_TIMEOUT_MS`, default 5 s (Node's own default).
   */
  keepAliveTimeoutMs: number;
  /**
   * Slowest request body accepted while the service is reading it: fewer bytes than this
   * per second over 5 s and the request is answered 408 and its connection closed, so a
   * client trickling (or only declaring) a body cannot hold upload budgets or command slots.
   * Time the service itself is not reading (a queued command) does not count.
   * `HTTP_BODY_MIN_BYTES_PER_S`, default 1024; 0 = off.
   */
  bodyMinBytesPerSecond: number;
}

/**
 * The HTTP server's timeouts. A plain function, not a `registerAs` namespace: the Fastify
 * instance is created before the Nest application and its configuration exist.
 */
export function readHttpConfig(env: Env = process.env): HttpConfig {
  const requestTimeoutMs = envInt(env, 'HTTP_REQUEST_TIMEOUT_MS', {
    default: 60_000,
    min: 0,
    max: 3_600_000,
  });
  return {
    connectionTimeoutMs: envInt(env, 'HTTP_CONNECTION_TIMEOUT_MS', {
      default: 60_000,
      min: 0,
      max: 3_600_000,
    }),
    requestTimeoutMs,
    headersTimeoutMs: envInt(env, 'HTTP_HEADERS_TIMEOUT_MS', {
      default: 10_000,
      min: 1,
      max: 600_000,
    }),
    keepAliveTimeoutMs: envInt(env, 'HTTP_KEEP_ALIVE_TIMEOUT_MS', {
      default: 5_000,
      min: 1,
      max: 600_000,
    }),
    bodyMinBytesPerSecond: envInt(env, 'HTTP_BODY_MIN_BYTES_PER_S', {
      default: 1024,
      min: 0,
      max: 1024 * 1024 * 1024,
    }),
  };
}
