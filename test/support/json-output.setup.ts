import { ServiceProcess } from './service-process';

/*
 * Every line a service writes, on stdout or stderr, is a JSON log line: a Node warning
 * (MaxListenersExceededWarning, a deprecation), a stack printed by hand or a colour-coded
 * Nest error would break log shippers. Checked after each test and at the end of every e2e
 * spec that starts `node dist/main.js`, except for services asked for pretty logs.
 */
const reported = new WeakMap<ServiceProcess, number>();

function check(): void {
  const offending: string[] = [];
  for (const service of ServiceProcess.started) {
    if (!service.jsonOnly) continue;
    const lines = service.nonJsonLines();
    offending.push(...lines.slice(reported.get(service) ?? 0));
    reported.set(service, lines.length);
  }
  if (offending.length > 0) {
    const shown = offending.slice(0, 10).join('\n');
    throw new Error(`The service wrote lines that are not JSON:\n${shown}`);
  }
}

afterEach(check);
afterAll(check);
