import { once } from 'node:events';
import { createServer, type Server, type Socket } from 'node:net';
import { setTimeout as delay } from 'node:timers/promises';
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

  it('hears its channel when it starts listening during the handshake, as the job runner can', async () => {
    // The runner listens once the command connection is ready; the subscriber's may then be
    // between connected and ready, where a SUBSCRIBE races ioredis' handshake and the
    // subscription can be lost for good (ioredis #2037). Whether it is lost is timing: rounds.
    for (let round = 0; round < 10; round++) {
      const redisClient = connect(redis.url);
      client = redisClient;
      let heard: string | undefined;
      redisClient.subscriber.once('connect', () =>
        redisClient.listen('test:channel', (message) => (heard = message)),
      );
      await redisClient.onModuleInit();
      const end = Date.now() + 3_000;
      while (heard === undefined && Date.now() < end) {
        await redisClient.command.publish('test:channel', `round ${round}`);
        await delay(20);
      }
      expect(heard).toBe(`round ${round}`);
      await redisClient.close();
      client = undefined;
    }
  });
});

/**
 * A TCP server on 127.0.0.1 that reads what it is sent and answers only what `answer` returns
 * for a command (RESP: `*`, then `$len` and the value of each argument); nothing else.
 */
async function stubbornServer(answer: (command: string) => string | undefined = () => undefined) {
  const sockets = new Set<Socket>();
  const server: Server = createServer((socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    socket.on('data', (data: Buffer) => {
      for (const command of data.toString().split(/^\*/m).slice(1)) {
        const name = command
          .split('\r\n')
          .filter((_, i) => i % 2 === 0 && i > 0)
          .join(' ');
        const reply = answer(name.toUpperCase());
        if (reply) socket.write(reply);
      }
    });
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  return {
    sockets,
    url: `redis://127.0.0.1:${(server.address() as { port: number }).port}`,
    async close() {
      for (const socket of sockets) socket.destroy();
      server.close();
      await once(server, 'close');
    },
  };
}

/** Resolves once each connection has ended (its socket closed). */
async function ended(client: JobsRedis): Promise<void> {
  for (const connection of [client.command, client.subscriber]) {
    if (connection.status !== 'end') await once(connection, 'end');
  }
}

describe('JobsRedis against a server that accepts connections and does not answer', () => {
  let server: Awaited<ReturnType<typeof stubbornServer>> | undefined;
  let client: JobsRedis | undefined;

  afterEach(async () => {
    await client?.close();
    client = undefined;
    await server?.close();
    server = undefined;
  });

  it('waits for the first connection at most about 3 s, then goes on, and still closes', async () => {
    // ioredis connects, sends its ready check and waits for an answer that never comes,
    // with no error either.
    server = await stubbornServer();
    client = new JobsRedis(readJobsConfig({ REDIS_URL: server.url }));
    const started = performance.now();
    await client.onModuleInit();
    const waited = performance.now() - started;
    // Its own cap (FIRST_CONNECT_WAIT_MS), neither cut short nor run over by much.
    expect(waited).toBeGreaterThanOrEqual(2_900);
    expect(waited).toBeLessThan(4_500);
    expect(server.sockets.size).toBeGreaterThan(0); // it did connect: the wait was for an answer
    expect(client.ready).toBe(false);
    expect(client.state).toBe('connect');
    // Usable as the routes use it while Redis is down: a command fails at once (a 503).
    await expect(client.command.ping()).rejects.toThrow(/enableOfflineQueue/);

    // Closing does not wait for an answer either (a QUIT would wait forever): dropped at once.
    const closing = performance.now();
    await client.close();
    expect(performance.now() - closing).toBeLessThan(500);
    await ended(client);
  });

  it('closes within about 1 s when Redis stops answering after the connections are ready', async () => {
    // Answers the handshake (CLIENT SETNAME and SETINFO, the INFO of the ready check), then
    // nothing.
    const handshake = (command: string) =>
      command.startsWith('CLIENT ') ? '+OK\r\n' : command === 'INFO' ? '$0\r\n\r\n' : undefined;
    server = await stubbornServer(handshake);
    client = new JobsRedis(readJobsConfig({ REDIS_URL: server.url }));
    await client.onModuleInit();
    expect(client.ready).toBe(true);
    const closing = performance.now();
    await client.close(); // QUITs that get no answer
    const took = performance.now() - closing;
    expect(took).toBeGreaterThanOrEqual(900);
    expect(took).toBeLessThan(2_000);
    await ended(client);
  });
});
