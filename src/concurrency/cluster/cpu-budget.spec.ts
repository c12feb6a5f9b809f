import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { availableParallelism, tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { type CpuBudget, type CpuBudgetSources, detectCpuBudget } from './cpu-budget';

describe('detectCpuBudget', () => {
  let dir: string;
  let root: string;

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'cpu-budget-'));
    root = join(dir, 'cgroup');
    mkdirSync(root);
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  /** Writes a fixture tree: keys are paths under the cgroup root, or 'proc' for /proc/self/cgroup. */
  function tree(files: Record<string, string>): CpuBudgetSources {
    for (const [name, content] of Object.entries(files)) {
      const file = name === 'proc' ? join(dir, 'proc-self-cgroup') : join(root, name);
      mkdirSync(dirname(file), { recursive: true });
      writeFileSync(file, content);
    }
    return {
      cgroupRoot: root,
      procSelfCgroup: join(dir, 'proc-self-cgroup'),
      availableParallelism: () => 8,
    };
  }

  describe('cgroup v2', () => {
    it('reads a 200000/100000 quota as 2 CPUs', () => {
      const budget = detectCpuBudget(tree({ proc: '0::/\n', 'cpu.max': '200000 100000\n' }));
      expect(budget).toEqual({
        cpus: 2,
        limit: 2,
        source: `cgroup v2 cpu.max "200000 100000" at ${root}`,
      });
    });

    it('rounds 1.5 CPUs down and keeps the limit', () => {
      const budget = detectCpuBudget(tree({ proc: '0::/\n', 'cpu.max': '150000 100000\n' }));
      expect(budget).toMatchObject({ cpus: 1, limit: 1.5 });
    });

    it('gives at least 1 CPU for half a CPU', () => {
      const budget = detectCpuBudget(tree({ proc: '0::/\n', 'cpu.max': '50000 100000\n' }));
      expect(budget).toMatchObject({ cpus: 1, limit: 0.5 });
    });

    it('takes "max" as no limit', () => {
      const budget = detectCpuBudget(tree({ proc: '0::/\n', 'cpu.max': 'max 100000\n' }));
      expect(budget).toEqual({ cpus: 8, limit: 8, source: 'os.availableParallelism()' });
    });

    it('applies a parent quota tighter than the leaf', () => {
      const budget = detectCpuBudget(
        tree({
          proc: '0::/kubepods/pod1/ctr\n',
          'kubepods/cpu.max': 'max 100000',
          'kubepods/pod1/cpu.max': '300000 100000',
          'kubepods/pod1/ctr/cpu.max': '600000 100000',
        }),
      );
      expect(budget).toEqual({
        cpus: 3,
        limit: 3,
        source: `cgroup v2 cpu.max "300000 100000" at ${root}/kubepods/pod1`,
      });
    });

    it('falls back to the root cpu.max when the path is not mounted here', () => {
      const budget = detectCpuBudget(
        tree({ proc: '0::/docker/abc\n', 'cpu.max': '400000 100000' }),
      );
      expect(budget).toEqual({
        cpus: 4,
        limit: 4,
        source: `cgroup v2 cpu.max "400000 100000" at ${root}`,
      });
    });

    it('does not leave the root for a path outside the cgroup namespace', () => {
      // Clamped to the root, '/../other' would read the unrelated cgroup /other.
      const budget = detectCpuBudget(
        tree({
          proc: '0::/../other\n',
          'cpu.max': '200000 100000',
          'other/cpu.max': '100000 100000',
        }),
      );
      expect(budget.source).toBe(`cgroup v2 cpu.max "200000 100000" at ${root}`);
    });
  });

  describe('cgroup v1', () => {
    it.each(['cpu,cpuacct', 'cpu'])('reads quota over period under %s', (mount) => {
      const budget = detectCpuBudget(
        tree({
          proc: `5:memory:/docker/abc\n4:cpu,cpuacct:/docker/abc\n`,
          [`${mount}/docker/abc/cpu.cfs_quota_us`]: '250000\n',
          [`${mount}/docker/abc/cpu.cfs_period_us`]: '100000\n',
        }),
      );
      expect(budget).toEqual({
        cpus: 2,
        limit: 2.5,
        source: `cgroup v1 cpu.cfs_quota_us=250000 cpu.cfs_period_us=100000 at ${root}/${mount}/docker/abc`,
      });
    });

    it('falls back to the mount root when the path is not mounted here', () => {
      const budget = detectCpuBudget(
        tree({
          proc: '4:cpu,cpuacct:/docker/abc\n',
          'cpu,cpuacct/cpu.cfs_quota_us': '300000',
          'cpu,cpuacct/cpu.cfs_period_us': '100000',
        }),
      );
      expect(budget.source).toBe(
        `cgroup v1 cpu.cfs_quota_us=300000 cpu.cfs_period_us=100000 at ${root}/cpu,cpuacct`,
      );
    });

    it('takes a quota of -1 as no limit', () => {
      const budget = detectCpuBudget(
        tree({
          proc: '4:cpu,cpuacct:/\n',
          'cpu,cpuacct/cpu.cfs_quota_us': '-1',
          'cpu,cpuacct/cpu.cfs_period_us': '100000',
        }),
      );
      expect(budget).toEqual({ cpus: 8, limit: 8, source: 'os.availableParallelism()' });
    });
  });

  it('keeps an affinity tighter than the quota', () => {
    const sources = tree({ proc: '0::/\n', 'cpu.max': '400000 100000' });
    const budget = detectCpuBudget({ ...sources, availableParallelism: () => 2 });
    expect(budget).toEqual({ cpus: 2, limit: 2, source: 'os.availableParallelism()' });
  });

  describe('the same budget whether os.availableParallelism() applies the quota or not', () => {
    // Node 20 (libuv 1.46) counts the affinity only. Node 24 (libuv >= 1.49) also applies the
    // cgroup quota, rounded down, when it is at least one CPU (libuv's uv__get_constrained_cpu).
    const node20 = (affinity: number) => affinity;
    const node24 = (affinity: number, quota: number) =>
      Math.floor(quota) >= 1 ? Math.min(affinity, Math.floor(quota)) : affinity;
    const at = (raw: string) => `cgroup v2 cpu.max "${raw}" at `;

    it.each([
      ['150000 100000', 8, { cpus: 1, limit: 1.5, source: at('150000 100000') }],
      ['250000 100000', 8, { cpus: 2, limit: 2.5, source: at('250000 100000') }],
      ['200000 100000', 8, { cpus: 2, limit: 2, source: at('200000 100000') }],
      ['50000 100000', 8, { cpus: 1, limit: 0.5, source: at('50000 100000') }],
      ['250000 100000', 2, { cpus: 2, limit: 2.5, source: at('250000 100000') }],
      ['400000 100000', 2, { cpus: 2, limit: 2, source: 'os.availableParallelism()' }],
    ])('cpu.max "%s" on %i CPUs', (raw, affinity, expected) => {
      const sources = tree({ proc: '0::/\n', 'cpu.max': raw });
      const [quota, period] = raw.split(' ').map(Number);
      for (const model of [node20, node24]) {
        const budget = detectCpuBudget({
          ...sources,
          availableParallelism: () => model(affinity, quota / period),
        });
        expect({ model: model.name, ...budget, source: budget.source.replace(root, '') }).toEqual({
          model: model.name,
          ...expected,
        });
      }
    });
  });

  it('uses availableParallelism when there are no cgroup files at all', () => {
    const budget = detectCpuBudget({
      cgroupRoot: join(dir, 'nowhere'),
      procSelfCgroup: join(dir, 'nowhere', 'cgroup'),
      availableParallelism: () => 3,
    });
    expect(budget).toEqual({ cpus: 3, limit: 3, source: 'os.availableParallelism()' });
  });

  it('ignores garbage in every file', () => {
    const budget = detectCpuBudget(
      tree({
        proc: 'not a cgroup line\n0::/\n4:cpu:/\n',
        'cpu.max': 'lots of CPUs',
        'cpu/cpu.cfs_quota_us': '2.5e5',
        'cpu/cpu.cfs_period_us': '0',
      }),
    );
    expect(budget).toEqual({ cpus: 8, limit: 8, source: 'os.availableParallelism()' });
    expect(detectCpuBudget({ ...tree({ proc: 'x' }), availableParallelism: () => 0 }).cpus).toBe(1);
  });

  it("honours its real process's CPU affinity (taskset -c 0: one CPU)", () => {
    // A real process pinned by the kernel, not a stubbed availableParallelism: the default
    // sources must be this process's own.
    const read = (args: string[]) =>
      JSON.parse(
        execFileSync(
          args[0],
          [
            ...args.slice(1),
            process.execPath,
            '--require',
            'sucrase/register/ts',
            '--eval',
            `console.log(JSON.stringify(require(${JSON.stringify(require.resolve('./cpu-budget'))}).detectCpuBudget()))`,
          ],
          { encoding: 'utf8' },
        ),
      ) as CpuBudget;
    const pinned = read(['taskset', '-c', '0']);
    expect(pinned.cpus).toBe(1);
    expect(pinned.limit).toBeLessThanOrEqual(1);
    // And unpinned, the same code in this process: no more than the CPUs it may run on.
    const free = detectCpuBudget();
    expect(free.cpus).toBeGreaterThanOrEqual(1);
    expect(free.cpus).toBeLessThanOrEqual(availableParallelism());
  });
});
