/*
 * A test fails when Node warned in the jest process while it ran: a deprecation
 * (`[DEP0…] DeprecationWarning`), an `ExperimentalWarning`, a `MaxListenersExceededWarning`…
 * They are how a new Node major first says it treats our code, or a dependency's, differently.
 * node-environment.cjs collects them on the real process (a test file sees only a copy of
 * `process`). What a `node dist/main.js` prints is json-output.setup.ts's to check: a Node
 * warning there is a line that is not JSON.
 */
const JEST_PROCESS = Symbol.for('nest-concurrency-starter.jest-process-warnings');

async function check(): Promise<void> {
  // A warning is emitted on the next tick after the call that caused it.
  await new Promise((resolve) => setImmediate(resolve));
  const emitted = (globalThis as Record<symbol, string[] | undefined>)[JEST_PROCESS] ?? [];
  const warnings = emitted.splice(0);
  if (warnings.length > 0) {
    throw new Error(`Node printed warnings in the jest process:\n${warnings.join('\n')}`);
  }
}

afterEach(check);
afterAll(check);
