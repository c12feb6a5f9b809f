import { Logger } from '@nestjs/common';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { DEADLINE_GRACE_MS } from '../src/common/http/deadlines';
import { MetricsService } from '../src/metrics/metrics.service';
import { startApp } from './support/app';
import { exchange } from './support/exchange';
import { STALL_DEADLINE_MS, StallModule } from './fixtures/stall.module';

/*
 * The guarantee behind every route's deadline: a route that never answers (a test-only
 * module, stalling on purpose) is answered 504 at its deadline plus the grace, logged with
 * its request id and route, and counted.
 */
describe('deadline guard', () => {
  let app: NestFastifyApplication;
  let port: number;
  const errors = jest.spyOn(Logger.prototype, 'error');

  beforeAll(async () => {
    app = await startApp({}, [StallModule]);
    port = (app.getHttpServer().address() as { port: number }).port;
  });
  afterAll(() => app.close());

  const unanswered = async () => {
    const text = await app.get(MetricsService).text();
    return Number(
      /^http_requests_unanswered_total\{route="\/stall\/:kind"\} (\d+)$/m.exec(text)?.[1] ?? 0,
    );
  };

  it('answers 504 JSON for a route that sends nothing, at its deadline plus the grace', async () => {
    const before = await unanswered();
    const answer = await exchange(port, '/stall/silent', { timeoutMs: 10_000 });
    expect(answer.error).toBeUndefined();
    expect(answer.status).toBe(504);
    expect(answer.ms).toBeGreaterThanOrEqual(STALL_DEADLINE_MS + DEADLINE_GRACE_MS - 5);
    expect(answer.ms).toBeLessThan(STALL_DEADLINE_MS + DEADLINE_GRACE_MS + 1_000);
    expect(JSON.parse(answer.body.toString())).toEqual({
      statusCode: 504,
      error: 'Gateway Timeout',
      message: `No answer within the route's deadline of ${STALL_DEADLINE_MS} ms`,
    });
    expect(await unanswered()).toBe(before + 1);
    expect(errors).toHaveBeenCalledWith(
      {
        requestId: answer.headers['x-request-id'],
        route: '/stall/:kind',
        deadlineMs: STALL_DEADLINE_MS,
      },
      'Request unanswered at its deadline',
    );
  });

  it('cuts a streamed response that stalls, so the client sees it incomplete', async () => {
    const before = await unanswered();
    const answer = await exchange(port, '/stall/stream', { timeoutMs: 10_000 });
    expect(answer.status).toBeUndefined();
    expect(answer.error).toMatch(/aborted|ECONNRESET/);
    expect(answer.ms).toBeLessThan(STALL_DEADLINE_MS + DEADLINE_GRACE_MS + 1_000);
    expect(await unanswered()).toBe(before + 1);
  });

  it('leaves routes that answer in time alone', async () => {
    const before = await unanswered();
    const answer = await exchange(port, '/health/live', { method: 'GET' });
    expect(answer.status).toBe(200);
    expect(await unanswered()).toBe(before);
  });
});
