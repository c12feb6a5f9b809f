import { extractPdf } from './pdf-text';
import { longReport } from './reports';
import { freePort, ServiceProcess } from '../../../../test/support/service-process';

/* `node dist/main.js` on SIGTERM while a long report renders on a pool thread. */
describe('node dist/main.js: a report in flight', () => {
  let service: ServiceProcess | undefined;
  afterEach(() => service?.stop());

  it('finishes a report still rendering at SIGTERM, then exits 0', async () => {
    const port = await freePort();
    const base = `http://127.0.0.1:${port}`;
    // One worker: the app port's /health/ready below must see the thread rendering the report
    // (test/cluster.e2e-spec.ts drains two workers under load).
    service = new ServiceProcess({
      PORT: String(port),
      SHUTDOWN_TIMEOUT_MS: '20000',
      CLUSTER_WORKERS: '1',
    });
    await service.waitForOk(`${base}/health/ready`);

    // A long report is still rendering when SIGTERM arrives: it must complete.
    const inflight = fetch(`${base}/pdf/report`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify(longReport(6000)),
    });
    const busy = async () => {
      const ready = (await (await fetch(`${base}/health/ready`)).json()) as {
        details: { workerPool: { busyThreads: number } };
      };
      return ready.details.workerPool.busyThreads > 0;
    };
    const deadline = Date.now() + 10_000;
    while (!(await busy())) {
      expect(Date.now()).toBeLessThan(deadline);
      await new Promise((r) => setTimeout(r, 10));
    }
    service.child.kill('SIGTERM');

    const response = await inflight;
    expect(response.status).toBe(200);
    const pdf = extractPdf(Buffer.from(await response.arrayBuffer()));
    expect(pdf.pages[pdf.pageCount - 1]).toContain('Row 6000 note');
    expect(await service.exited).toEqual({ code: 0, signal: null });
  });
});
