import { randomUUID } from 'node:crypto';
import { type IncomingMessage, maxHeaderSize, type ServerResponse, STATUS_CODES } from 'node:http';
import type { Socket } from 'node:net';
import type { FastifyBaseLogger } from 'fastify';
import { capMessage, echo } from './messages';

/** What Node's HTTP parser, or its request and headers timeouts, report on a connection. */
interface ClientError extends NodeJS.ErrnoException {
  /** llhttp's own words for what it could not parse. */
  reason?: string;
}

/** The answer to bytes that never became a request: its status and what was wrong. */
export function clientErrorAnswer(error: ClientError): { status: number; message: string } {
  switch (error.code) {
    case 'ERR_HTTP_REQUEST_TIMEOUT':
      return {
        status: 408,
        message:
          'The request did not arrive in time: its headers within HTTP_HEADERS_TIMEOUT_MS, ' +
          'or all of it within HTTP_REQUEST_TIMEOUT_MS',
      };
    case 'HPE_CHUNK_EXTENSIONS_OVERFLOW':
      return { status: 413, message: 'The chunk extensions of the body are over their size limit' };
    case 'HPE_HEADER_OVERFLOW':
      return {
        status: 431,
        message: `The request line and headers are over the limit of ${maxHeaderSize} bytes`,
      };
    default:
      return {
        status: 400,
        message: capMessage(`Malformed HTTP request: ${error.reason ?? error.code ?? 'unknown'}`),
      };
  }
}

/** The API's error body, `{ statusCode, error, message }`, as JSON. */
function errorBody(status: number, message: string): string {
  return JSON.stringify({ statusCode: status, error: STATUS_CODES[status], message });
}

/** The response a connection is writing now, as Node keeps it on the socket. */
function responseInFlight(socket: Socket): ServerResponse | undefined {
  return (socket as Socket & { _httpMessage?: ServerResponse | null })._httpMessage ?? undefined;
}

/** Connections already answered: the parser reports its error again on each later read. */
const answered = new WeakSet<Socket>();

/**
 * Fastify's `clientErrorHandler`, for what Node's HTTP parser could not read (a bad request
 * line, chunk size or header, headers too large) and for its request and headers timeouts:
 * the API's JSON error, naming the problem, then the connection closes.
 *
 * Unless the connection is still answering whole requests that came before the bad bytes
 * (pipelined, or sent before their answers came): Fastify's default wrote its 400 anyway,
 * and the client took it for the first one's answer. Here those answers go out, in order,
 * and the connection ends after the last. The parser has failed, so what else arrives is
 * read and dropped (Node calls this again for it; it is ignored): a connection that stopped
 * reading with bytes unread would be reset on close, cutting the answer being sent. When the
 * bad bytes are in the body of the request being answered, the error is its answer; or,
 * that answer already begun, the connection is cut, which its client sees.
 */
export function handleClientError(
  this: { log: FastifyBaseLogger },
  error: ClientError,
  socket: Socket,
): void {
  if (error.code === 'ECONNRESET' || socket.destroyed || answered.has(socket)) return;
  answered.add(socket);
  const { status, message } = clientErrorAnswer(error);
  this.log.debug({ code: error.code, status }, 'client error: %s', message);
  const inFlight = responseInFlight(socket);
  if (inFlight?.req.complete) {
    endAfterAnswers(socket, inFlight);
    return;
  }
  if (socket.writable && !inFlight?.headersSent) {
    const body = errorBody(status, message);
    socket.write(
      `HTTP/1.1 ${status} ${STATUS_CODES[status]}\r\n` +
        `Content-Type: application/json; charset=utf-8\r\n` +
        `Content-Length: ${Buffer.byteLength(body)}\r\n` +
        `X-Request-Id: ${randomUUID()}\r\n` +
        `Connection: close\r\n\r\n${body}`,
    );
  }
  // As Node and Fastify do: the answer is small enough to have left at once.
  socket.destroy();
}

/**
 * Ends `socket` once `response` and the answers queued behind it are sent. Node hands the
 * socket to the next queued response when one finishes (its own 'finish' listener, which
 * runs before this one), so each finish looks for a successor before ending the connection.
 */
function endAfterAnswers(socket: Socket, response: ServerResponse): void {
  response.once('finish', () => {
    const next = responseInFlight(socket);
    if (next && next !== response) endAfterAnswers(socket, next);
    else socket.destroySoon();
  });
}

/**
 * The server's `checkExpectation` listener: an `Expect` other than `100-continue`, which Node
 * refuses before any route sees the request, gets the API's JSON 417 naming it instead of
 * Node's empty one. The connection closes: the body, if any, is left unread.
 */
export function answerUnmetExpectation(request: IncomingMessage, response: ServerResponse): void {
  const message = `Expect: ${echo(String(request.headers.expect))} is not supported; only 100-continue is`;
  const body = errorBody(417, message);
  response.shouldKeepAlive = false;
  response.writeHead(417, {
    'Content-Type': 'application/json; charset=utf-8',
    'Content-Length': Buffer.byteLength(body),
    'X-Request-Id': randomUUID(),
  });
  response.end(body);
}
