import { once } from 'node:events';
import {
  Agent,
  createServer,
  type IncomingHttpHeaders,
  request,
  type Server,
  type ServerResponse,
} from 'node:http';
import { type AddressInfo, connect, type Socket } from 'node:net';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { HttpDrain } from './http-drain';

/*
 * HttpDrain on a real HTTP server and real keep-alive connections: which responses say
 * `Connection: close`, and when each connection closes.
 */

interface Answer {
  headers: IncomingHttpHeaders;
  body: string;
  /** Resolves when the client's connection closed. */
  closed: Promise<void>;
}

/** GET `path` on a keep-alive connection of its own. */
function get(port: number, path: string): Promise<Answer> {
  const agent = new Agent({ keepAlive: true, maxSockets: 1 });
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, path, agent }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => (body += chunk));
      res.once('end', () => resolve({ headers: res.headers, body, closed }));
    });
    const closed = new Promise<void>((done) => {
      req.once('socket', (socket: Socket) => socket.once('close', () => done()));
    });
    req.once('error', reject);
    req.end();
  });
}

/** Whether `promise` settles within `ms`. */
async function settlesWithin(promise: Promise<unknown>, ms: number): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<false>((resolve) => (timer = setTimeout(() => resolve(false), ms)));
  const settled = await Promise.race([promise.then(() => true), late]);
  clearTimeout(timer);
  return settled;
}

describe('HttpDrain', () => {
  let server: Server;
  let drain: HttpDrain;
  let port: number;
  /** Responses the handler holds, by path, until the test ends them. */
  const held = new Map<string, ServerResponse>();
  let taken: (path: string) => void = () => undefined;

  beforeEach(async () => {
    held.clear();
    server = createServer((req, res) => {
      const path = req.url ?? '/';
      if (path === '/streaming') res.writeHead(200).write('a'); // headers out: keep-alive
      if (path === '/now') res.end('now');
      else held.set(path, res);
      taken(path);
    });
    drain = new HttpDrain(server, 100);
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    port = (server.address() as AddressInfo).port;
  });

  afterEach(async () => {
    drain.closeAll();
    if (!server.listening) return; // stopAccepting closed it
    server.close();
    await once(server, 'close');
  });

  /** Sends GET `path` and waits until the handler has it; then its answer can be awaited. */
  async function inFlight(path: string): Promise<{ answer: Promise<Answer> }> {
    const handled = new Promise<void>((resolve) => {
      taken = (got) => got === path && resolve();
    });
    const answer = get(port, path);
    await handled;
    return { answer };
  }

  it('answers keep-alive and keeps the connection before the drain', async () => {
    const answer = await get(port, '/now');
    expect(answer.headers.connection).toBe('keep-alive');
    expect(await settlesWithin(answer.closed, 300)).toBe(false);
    expect(drain.openConnections).toBe(1);
  });

  // A response in flight when the drain begins: its connection closes once it ends, either
  // way; it says so if its headers were still to be sent.
  it.each([
    // [case, path, what the handler ends it with, the whole body, its Connection header]
    ['not sent: says Connection: close', '/later', 'later', 'later', 'close'],
    ['sent: keeps its keep-alive', '/streaming', 'b', 'ab', 'keep-alive'],
  ])(
    'a response in flight whose headers are %s, and its connection closes after it',
    async (_, path, rest, body, connection) => {
      const { answer: pending } = await inFlight(path);
      drain.beginDrain();
      held.get(path)!.end(rest);
      const answer = await pending;
      expect(answer).toMatchObject({ body, headers: { connection } });
      expect(await settlesWithin(answer.closed, 1_000)).toBe(true);
    },
  );

  it('says Connection: close on a request that arrives while draining', async () => {
    drain.beginDrain();
    const answer = await get(port, '/now');
    expect(answer.headers.connection).toBe('close');
    expect(await settlesWithin(answer.closed, 1_000)).toBe(true);
  });

  it('leaves an idle connection open until stopAccepting, then closes it after the idle grace', async () => {
    const answer = await get(port, '/now');
    drain.beginDrain();
    expect(await settlesWithin(answer.closed, 300)).toBe(false);
    const stopped = drain.stopAccepting();
    await answer.closed;
    await stopped;
    expect(drain.openConnections).toBe(0);
  });
});

describe('HttpDrain and connections that die with pipelined requests queued', () => {
  it('keeps no response once its connection is gone', async () => {
    // A real collection, to see what stays reachable (V8 lets a flag turn on `gc` at run time).
    setFlagsFromString('--expose-gc');
    const gc = runInNewContext('gc') as () => void;
    const server = createServer(() => undefined); // never answers: the rest stay queued
    new HttpDrain(server);
    const responses: WeakRef<ServerResponse>[] = [];
    server.on('request', (_, response: ServerResponse) => responses.push(new WeakRef(response)));
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    try {
      const { port } = server.address() as AddressInfo;
      const pipelined = 'GET / HTTP/1.1\r\nHost: x\r\n\r\n'.repeat(10);
      for (let i = 0; i < 20; i++) {
        const socket = connect(port, '127.0.0.1');
        socket.write(pipelined);
        await new Promise((resolve) => setTimeout(resolve, 20));
        socket.destroy();
        await once(socket, 'close');
      }
      await new Promise((resolve) => setTimeout(resolve, 100)); // the server sees every close
      expect(responses).toHaveLength(200);
      for (let round = 0; round < 5; round++) {
        gc();
        await new Promise((resolve) => setImmediate(resolve));
      }
      expect(responses.filter((ref) => ref.deref() !== undefined)).toHaveLength(0);
    } finally {
      server.closeAllConnections();
      server.close();
    }
  });
});
