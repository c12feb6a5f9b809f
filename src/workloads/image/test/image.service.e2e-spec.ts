import { request as httpRequest } from 'node:http';
import { freePort, ServiceProcess } from '../../../../test/support/service-process';

/*
 * `node dist/main.js` with an image upload that stops halfway: the shutdown deadline cuts it.
 * (The README's resize example runs in test/service.e2e-spec.ts, from this folder's kit.)
 */
describe('node dist/main.js: image uploads', () => {
  let service: ServiceProcess | undefined;
  afterEach(() => service?.stop());

  it('cuts connections still open at SHUTDOWN_TIMEOUT_MS and exits 1', async () => {
    const port = await freePort();
    service = new ServiceProcess({ PORT: String(port), SHUTDOWN_TIMEOUT_MS: '500' });
    await service.waitForOk(`http://127.0.0.1:${port}/health/ready`);
    // A client that began an upload and went quiet would hold the HTTP server open forever.
    const stalled = httpRequest({
      host: '127.0.0.1',
      port,
      method: 'POST',
      path: '/images/resize?width=10',
      headers: { 'Content-Type': 'image/jpeg', 'Content-Length': '100000' },
    });
    stalled.on('error', () => undefined);
    stalled.write(Buffer.alloc(1000));
    await new Promise((resolve) => setTimeout(resolve, 100));

    const started = Date.now();
    service.child.kill('SIGTERM');
    expect(await service.exited).toEqual({ code: 1, signal: null });
    // Cut at SHUTDOWN_TIMEOUT_MS (500 ms), then the worker and the primary exit: 1.5 s of margin,
    // still under the primary's own 2 s kill grace, so this is the worker's cut, not a kill.
    expect(Date.now() - started).toBeGreaterThanOrEqual(500);
    expect(Date.now() - started).toBeLessThan(500 + 1_500);
    expect(service.linesWith({ event: 'drain-timeout', connections: 1, ms: 500 })).toHaveLength(1);
    stalled.destroy();
  });
});
