import { connect } from 'node:net';
import { freePort, ServiceProcess } from './support/service-process';

/*
 * Bytes that never become a request (a bad request line or chunk size, headers over Node's
 * limit), against the real service (`node dist/main.js`) over raw sockets: each gets the
 * API's JSON error naming the problem, and none is ever read as the answer to a good request
 * sent before it on the same connection.
 */

/** Writes `bytes` to the service and returns all it sends back until it closes the connection. */
function converse(
  port: number,
  bytes: string,
  readAfterMs = 0,
  timeoutMs = 10_000,
): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    const socket = connect(port, '127.0.0.1');
    const timer = setTimeout(() => {
      socket.destroy();
      reject(new Error(`still open after ${timeoutMs} ms: ${Buffer.concat(chunks).toString()}`));
    }, timeoutMs);
    socket.on('data', (chunk: Buffer) => chunks.push(chunk));
    if (readAfterMs > 0) {
      socket.pause(); // a slow reader: the answer is still being sent when the server closes
      setTimeout(() => socket.resume(), readAfterMs);
    }
    socket.once('close', () => {
      clearTimeout(timer);
      resolve(Buffer.concat(chunks).toString('latin1'));
    });
    socket.once('error', () => undefined); // a reset after the answer: 'close' follows
    socket.write(bytes); // not end(): a client's FIN makes Node abort the request in flight
  });
}

interface Response {
  status: string;
  head: string;
  body: string;
}

/** The responses in `text`, one after another: each body by its Content-Length or its chunks. */
function responses(text: string): Response[] {
  const found: Response[] = [];
  let at = 0;
  while (at < text.length) {
    const headEnd = text.indexOf('\r\n\r\n', at);
    if (headEnd < 0) break;
    const head = text.slice(at, headEnd);
    let body = '';
    at = headEnd + 4;
    if (/\r\ntransfer-encoding: chunked/i.test(head)) {
      for (;;) {
        const sizeEnd = text.indexOf('\r\n', at);
        const size = parseInt(text.slice(at, sizeEnd), 16);
        if (!(size >= 0) || sizeEnd < 0) break;
        body += text.slice(sizeEnd + 2, sizeEnd + 2 + size);
        at = sizeEnd + 2 + size + 2;
        if (size === 0) break;
      }
    } else {
      const length = Number(/\r\ncontent-length: (\d+)/i.exec(head)?.[1] ?? text.length - at);
      body = text.slice(at, at + length);
      at += length;
    }
    found.push({ status: head.slice(0, head.indexOf('\r\n')), head, body });
  }
  return found;
}

/** The status lines of every response in `text`. */
const statusLines = (text: string) => responses(text).map((response) => response.status);

/** The JSON body of the one response in `text`. */
const jsonBody = (text: string): unknown => JSON.parse(responses(text)[0].body);

const GARBAGE = 'NOT HTTP AT ALL\r\n\r\n';
const wordcount = (stdin: string) =>
  `POST /commands/wordcount HTTP/1.1\r\nHost: x\r\nContent-Type: text/plain\r\n` +
  `Content-Length: ${stdin.length}\r\n\r\n${stdin}`;

describe('bytes that never become a request (node dist/main.js)', () => {
  let service: ServiceProcess;
  let port: number;

  beforeAll(async () => {
    port = await freePort();
    service = new ServiceProcess({ PORT: String(port), CLUSTER_ENABLED: 'false' });
    await service.waitForOk(`http://127.0.0.1:${port}/health/live`);
  });
  afterAll(() => service.stop());

  it.each([
    ['GET /health/live', 'GET /health/live HTTP/1.1\r\nHost: x\r\n\r\n', /"status":"ok"/],
    ['POST /commands/wordcount', wordcount('one two three'), /^3\s*$/m],
  ])(
    'answers %s sent before garbage on the same connection, then closes it',
    async (_, request, body) => {
      const text = await converse(port, request + GARBAGE);
      expect(statusLines(text)).toEqual(['HTTP/1.1 200 OK']);
      expect(responses(text)[0].body).toMatch(body);
    },
  );

  it('answers every whole request pipelined before garbage, in order, then closes', async () => {
    const live = 'GET /health/live HTTP/1.1\r\nHost: x\r\n\r\n';
    const text = await converse(port, live + wordcount('a b c d') + live + GARBAGE);
    const answers = responses(text);
    expect(answers.map((answer) => answer.status)).toEqual([
      'HTTP/1.1 200 OK',
      'HTTP/1.1 200 OK',
      'HTTP/1.1 200 OK',
    ]);
    expect(answers.map((answer) => answer.body)).toEqual([
      expect.stringMatching(/"status":"ok"/),
      expect.stringMatching(/^4\s*$/),
      expect.stringMatching(/"status":"ok"/),
    ]);
  });

  it('sends a large answer whole though much more garbage follows its request', async () => {
    // Unread bytes at close would reset the connection and cut the answer being sent.
    const asset = 'GET /docs/swagger-ui-bundle.js HTTP/1.1\r\nHost: x\r\n\r\n';
    const text = await converse(port, asset + 'x'.repeat(200_000) + GARBAGE, 1_000);
    const [answer, ...more] = responses(text);
    expect(more).toEqual([]);
    expect(answer.status).toBe('HTTP/1.1 200 OK');
    const length = Number(/\r\ncontent-length: (\d+)/i.exec(answer.head)?.[1]);
    expect(length).toBeGreaterThan(500_000);
    expect(answer.body.length).toBe(length); // not toHaveLength: a failure would print 1.5 MB
  });

  it.each([
    ['a request line that is not HTTP', 400, GARBAGE, /^Malformed HTTP request: Invalid method/],
    [
      'a chunked body with a bad chunk size',
      400,
      'POST /commands/wordcount HTTP/1.1\r\nHost: x\r\nContent-Type: text/plain\r\n' +
        'Transfer-Encoding: chunked\r\n\r\nZZ\r\nhello\r\n0\r\n\r\n',
      /^Malformed HTTP request: Invalid character in chunk size/,
    ],
    [
      'headers over the size limit',
      431,
      `GET /health/live HTTP/1.1\r\nHost: x\r\nX-Big: ${'a'.repeat(20_000)}\r\n\r\n`,
      /^The request line and headers are over the limit of \d+ bytes$/,
    ],
  ])('answers %s with %d and a JSON error naming it', async (_, status, bytes, message) => {
    const text = await converse(port, bytes);
    expect(statusLines(text)).toHaveLength(1);
    expect(text.startsWith(`HTTP/1.1 ${status} `)).toBe(true);
    expect(text).toMatch(/\r\ncontent-type: application\/json/i);
    expect(text).toMatch(/\r\nx-request-id: [0-9a-f-]{36}\r\n/i);
    expect(jsonBody(text)).toEqual({
      statusCode: status,
      error: expect.any(String) as unknown,
      message: expect.stringMatching(message) as unknown,
    });
  });

  it('answers an Expect other than 100-continue with 417 and a JSON error naming it', async () => {
    const text = await converse(
      port,
      'GET /health/live HTTP/1.1\r\nHost: x\r\nExpect: teapot\r\n\r\n',
    );
    expect(statusLines(text)).toEqual(['HTTP/1.1 417 Expectation Failed']);
    expect(text).toMatch(/\r\nconnection: close\r\n/i);
    expect(text).toMatch(/\r\nx-request-id: [0-9a-f-]{36}\r\n/i);
    expect(jsonBody(text)).toEqual({
      statusCode: 417,
      error: 'Expectation Failed',
      message: 'Expect: teapot is not supported; only 100-continue is',
    });
  });

  it('stays healthy: a fresh connection is answered', async () => {
    const text = await converse(
      port,
      'GET /health/live HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n',
    );
    expect(statusLines(text)).toEqual(['HTTP/1.1 200 OK']);
  });
});
