import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { checkWorkloads, listedWorkloads } from './boot-checks';

/* checkWorkloads on a workloads folder of its own, laid out as a build leaves it. */
describe('checkWorkloads', () => {
  let root: string;
  const ran: string[] = [];
  beforeEach(() => {
    root = mkdtempSync(join(tmpdir(), 'boot-checks-'));
    ran.length = 0;
    (globalThis as { bootChecksRan?: string[] }).bootChecksRan = ran;
  });
  afterEach(() => rmSync(root, { recursive: true, force: true }));

  /** A workload folder; with `check`, a boot check that records its run, then does `check`. */
  function workload(name: string, check?: string): void {
    mkdirSync(join(root, name));
    if (check === undefined) return;
    writeFileSync(
      join(root, name, `${name}.boot-check.js`),
      `exports.bootCheck = () => { globalThis.bootChecksRan.push(${JSON.stringify(name)}); ${check} };`,
    );
  }
  function index(...names: string[]): void {
    const lines = names.map((name) => `var ${name}_1 = require("./${name}/${name}.module");`);
    writeFileSync(join(root, 'index.js'), `"use strict";\n${lines.join('\n')}\n`);
  }

  it('runs the check of each listed workload that has one, in order', () => {
    workload('pdf', '');
    workload('image');
    workload('commands', '');
    index('image', 'pdf', 'commands');
    checkWorkloads(root);
    expect(ran).toEqual(['pdf', 'commands']);
  });

  it('throws the first failure', () => {
    workload('commands', 'throw new Error("bad allowlist");');
    workload('pdf', '');
    index('commands', 'pdf');
    expect(() => checkWorkloads(root)).toThrow('bad allowlist');
    expect(ran).toEqual(['commands']);
  });

  it('leaves out a folder index.js no longer lists (removed, or a stale build)', () => {
    workload('commands', 'throw new Error("bad allowlist");');
    workload('pdf', '');
    index('pdf');
    checkWorkloads(root);
    expect(ran).toEqual(['pdf']);
  });

  // Made-up names: no file outside a shipped workload's folder may name it (remove-workload e2e).
  it('lists a folder exported whole, and not a line commented out', () => {
    writeFileSync(
      join(root, 'index.js'),
      [
        '"use strict";',
        'var alpha_module_1 = require("./alpha/alpha.module");',
        '// var beta_module_1 = require("./beta/beta.module");',
        '/* var gamma_module_1 = require("./gamma/gamma.module"); */',
        '__exportStar(require("./reports"), exports);',
      ].join('\n'),
    );
    expect(listedWorkloads(root)).toEqual(['alpha', 'reports']);
  });
});
