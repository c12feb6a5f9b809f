import { once } from 'node:events';
import { createServer, type Server, type Socket } from 'node:net';
import { describeWithRedis, RedisServer } from '../../test/support/redis';
import { freePort } from '../../test/support/service-process';
import { readJobsConfig } from '../config/jobs.config';
import { JobsRedis } from './jobs-redis';

const connect = (redisUrl: string) => new JobsRedis(readJobsConfig({ REDIS_URL: redisUrl }));

describeWithRedis('JobsRedis start-up (a real redis-server)', () => {
  let redis: RedisServer;
  let client: JobsRedis | undefined;

  beforeAll(async () => {
    redis = await RedisServer.start();
  });
  afterEach(async () => {
    await client?.close();
    client = undefined;
  });
  afterAll(() => redis.stop());

  it('is connected once module init resolves, so the first requests of a ready instance find Redis', async () => {
    client = connect(redis.url);
    await client.onModuleInit();
    expect(client.ready).toBe(true);
  });

  it('does not hold start-up when Redis is unreachable: init ends at the first error', async () => {
    client = connect(`redis://127.0.0.1:${await freePort()}`);
    const started = performance.now();
    await client.onModuleInit();
    // The first refused connection comes within milliseconds; the wait's own cap is 3 s.
    expect(performance.now() - started).toBeLessThan(1_000);
    expect(client.ready).toBe(false);
  });
});

describe('JobsRedis start-up (a server that accepts connections and never answers)', () => {
  let server: Server;
  const sockets = new Set<Socket>();
  let client: JobsRedis | undefined;

  beforeAll(async () => {
    // A TCP server on 127.0.0.1 that reads what it is sent and never writes: ioredis connects,
    // sends its ready check and waits for an answer that never comes, with no error either.
    server = createServer((socket) => {
      socket.resume();
      sockets.add(socket);
      socket.on('close', () => sockets.delete(socket));
    });
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
  });
  afterAll(async () => {
    await client?.close();
    for (const socket of sockets) socket.destroy();
    server.close();
    await once(server, 'close');
  });

  it('waits for the first connection at most about 3 s, then goes on, and still closes', async () => {
    const { port } = server.address() as { port: number };
    client = new JobsRedis(readJobsConfig({ REDIS_URL: `redis://127.0.0.1:${port}` }));
    const started = performance.now();
    await client.onModuleInit();
    const waited = performance.now() - started;
    // Its own cap (FIRST_CONNECT_WAIT_MS), neither cut short nor run over by much.
    expect(waited).toBeGreaterThanOrEqual(2_900);
    expect(waited).toBeLessThan(4_500);
    expect(sockets.size).toBeGreaterThan(0); // it did connect: the wait was for an answer
    expect(client.ready).toBe(false);
    expect(client.state).toBe('connect');
    // Usable as the routes use it while Redis is down: a command fails at once (a 503).
    await expect(client.command.ping()).rejects.toThrow(/enableOfflineQueue/);

    // Closing does not wait for an answer either (a QUIT would wait forever): all connections end.
    const closing = performance.now();
    await client.close();
    expect(performance.now() - closing).toBeLessThan(500);
    // Dropped, not waiting on anything: each connection ends once its socket has closed.
    for (const connection of [client.command, client.subscriber]) {
      if (connection.status !== 'end') await once(connection, 'end');
    }
    client = undefined;
  });
});
