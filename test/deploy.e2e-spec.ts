import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import semver from 'semver';
import { parseAllDocuments } from 'yaml';
import { type CpuBudget, detectCpuBudget } from '../src/concurrency/cluster/cpu-budget';
import { planThreads } from '../src/concurrency/cluster/thread-plan';

/*
 * The Dockerfile and deploy/kubernetes/ must agree with the app: its ports, probe routes and
 * shutdown timings. Defaults come from .env.example, the list of every variable the app reads,
 * and a manifest's env overrides them, as it would in the pod. Nothing here needs Docker or a
 * cluster: the files are parsed (a YAML syntax error or a duplicate key fails too).
 */
const ROOT = join(__dirname, '..');
const K8S_DIR = join(ROOT, 'deploy', 'kubernetes');

/** The probe server's routes. */
const ROUTES = {
  startup: '/health/startup',
  live: '/health/live',
  ready: '/health/ready',
  metrics: '/metrics',
};
/** After SHUTDOWN_TIMEOUT_MS the primary gives a worker this long before it kills it. */
const PRIMARY_KILL_GRACE_S = 2;
/** Seconds the kubelet should still wait after the worst-case stop, before its SIGKILL. */
const MIN_GRACE_MARGIN_S = 5;
/** An app process's peak RSS rendering PDFs (BENCHMARKS.md, sections 1 and 5: up to 389 MiB). */
const WORKER_PEAK_RSS_MIB = 400;
/** The primary's RSS after load (BENCHMARKS.md, section 5: 56–64 MiB). */
const PRIMARY_RSS_MIB = 64;

// ---- the app's defaults ----

function envExample(): Map<string, string> {
  const text = readFileSync(join(ROOT, '.env.example'), 'utf8');
  return new Map(
    [...text.matchAll(/^([A-Z0-9_]+)=(.*)$/gm)].map(([, name, value]) => [name, value]),
  );
}
const DEFAULTS = envExample();

// ---- Kubernetes manifests ----

type Labels = Record<string, string>;
interface Probe {
  httpGet: { path: string; port: number | string };
  periodSeconds: number;
  failureThreshold: number;
}
interface Container {
  image: string;
  ports: { name: string; containerPort: number }[];
  env?: EnvVar[];
  resources: Record<'requests' | 'limits', { cpu: string | number; memory: string }>;
  startupProbe: Probe;
  livenessProbe: Probe;
  readinessProbe: Probe;
  lifecycle?: { preStop?: { exec?: { command: string[] }; sleep?: { seconds: number } } };
  securityContext?: SecurityContext;
  volumeMounts?: { name: string; mountPath: string }[];
}
interface EnvVar {
  name: string;
  value?: unknown;
  valueFrom?: { secretKeyRef?: { name: string; key: string; optional?: boolean } };
}
interface SecurityContext {
  runAsNonRoot?: boolean;
  runAsUser?: number;
  readOnlyRootFilesystem?: boolean;
  allowPrivilegeEscalation?: boolean;
}
interface Manifest {
  apiVersion: string;
  kind: string;
  metadata: { name: string; labels?: Labels };
  // Each kind reads the fields it needs.
  spec: {
    replicas?: number;
    selector: { matchLabels: Labels } & Labels;
    template: {
      metadata: { labels: Labels; annotations?: Labels };
      spec: {
        terminationGracePeriodSeconds: number;
        securityContext?: SecurityContext;
        containers: Container[];
        volumes?: { name: string; emptyDir?: object }[];
      };
    };
    ports: { port: number; targetPort: number | string }[];
    scaleTargetRef: { apiVersion: string; kind: string; name: string };
    minReplicas: number;
    maxReplicas: number;
    metrics: { type: string; resource?: { name: string; target: { type: string } } }[];
    maxUnavailable?: number | string;
    minAvailable?: number | string;
  };
}

function loadManifests(dir = K8S_DIR): { file: string; manifest: Manifest }[] {
  const all: { file: string; manifest: Manifest }[] = [];
  for (const file of readdirSync(dir).filter((name) => name.endsWith('.yaml'))) {
    for (const doc of parseAllDocuments(readFileSync(join(dir, file), 'utf8'))) {
      if (doc.errors.length > 0) throw new Error(`${file}: ${doc.errors[0].message}`);
      all.push({ file, manifest: doc.toJS() as Manifest });
    }
  }
  return all;
}

/** A CPU quantity in CPUs: 2, "2", "1.5", "1500m". */
function cpus(quantity: string | number): number {
  const match = /^(\d+(?:\.\d+)?)(m?)$/.exec(String(quantity));
  if (!match) throw new Error(`not a CPU quantity: ${quantity}`);
  return Number(match[1]) / (match[2] ? 1000 : 1);
}

function isSubset(labels: Labels, of: Labels): boolean {
  return Object.entries(labels).every(([key, value]) => of[key] === value);
}

/** A memory quantity in MiB: "2Gi", "512Mi". */
function mebibytes(quantity: string): number {
  const match = /^(\d+)(Mi|Gi)$/.exec(quantity);
  if (!match) throw new Error(`not a memory quantity in Mi or Gi: ${quantity}`);
  return Number(match[1]) * (match[2] === 'Gi' ? 1024 : 1);
}

/**
 * The CPU budget the app detects in a container limited to `cpus`: a cgroup v2 cpu.max of
 * that quota, on a node with more CPUs than the pod.
 */
function budgetInPod(cpus: number): CpuBudget {
  const dir = mkdtempSync(join(tmpdir(), 'deploy-cgroup-'));
  try {
    writeFileSync(join(dir, 'cgroup'), '0::/\n');
    writeFileSync(join(dir, 'cpu.max'), `${Math.round(cpus * 100_000)} 100000\n`);
    return detectCpuBudget({
      cgroupRoot: dir,
      procSelfCgroup: join(dir, 'cgroup'),
      availableParallelism: () => 64,
    });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

// ---- Dockerfile ----

interface Instruction {
  keyword: string;
  args: string;
}

/** Instructions per stage (FROM starts one), continuation lines joined, comments dropped. */
function dockerStages(text: string): Instruction[][] {
  const stages: Instruction[][] = [[]];
  let pending = '';
  for (const raw of text.split('\n')) {
    if (/^\s*#/.test(raw)) continue;
    const line = raw.trimEnd();
    if (line.endsWith('\\')) {
      pending += `${line.slice(0, -1)} `;
      continue;
    }
    const logical = (pending + line).trim();
    pending = '';
    if (!logical) continue;
    const [, keyword, args] = /^(\S+)\s*(.*)$/.exec(logical)!;
    if (keyword.toUpperCase() === 'FROM') stages.push([]);
    stages[stages.length - 1].push({ keyword: keyword.toUpperCase(), args });
  }
  return stages;
}

/** An exec-form (JSON array) argument, or a shell-form one split on blanks. */
function argv(args: string): string[] {
  return args.startsWith('[') ? (JSON.parse(args) as string[]) : args.split(/\s+/);
}

/** Top-level names that .dockerignore lets into the build context (last matching rule wins). */
function contextIncludes(dockerignore: string, name: string): boolean {
  let included = true;
  for (const raw of dockerignore.split('\n')) {
    const rule = raw.trim();
    if (!rule || rule.startsWith('#')) continue;
    const negated = rule.startsWith('!');
    const pattern = rule.replace(/^!/, '').replace(/\/$/, '');
    if (pattern.includes('/')) continue; // refines inside a directory, not the name itself
    const regex = new RegExp(
      `^${pattern.replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*')}$`,
    );
    if (regex.test(name)) included = negated;
  }
  return included;
}

// ---- Debian packages: what the image has, read from dpkg on a host of the same release ----

/** This host's Debian release (VERSION_CODENAME in /etc/os-release), if it is Debian. */
function hostDebianRelease(): string | undefined {
  try {
    const release = readFileSync('/etc/os-release', 'utf8');
    if (!/^ID=debian$/m.test(release)) return undefined;
    return /^VERSION_CODENAME=(\S+)$/m.exec(release)?.[1];
  } catch {
    return undefined;
  }
}

function dpkg(command: string, args: string[]): string | undefined {
  try {
    return execFileSync(command, args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] });
  } catch {
    return undefined; // not found
  }
}

/** The package that ships `bin/<name>` (`dpkg -S`), diversions aside. */
function packageOf(name: string): string | undefined {
  const owners = dpkg('dpkg', ['-S', `*/bin/${name}`])
    ?.split('\n')
    .filter((line) => !line.startsWith('diversion ') && line.includes(': /'));
  return owners?.[0]?.split(':')[0].split(',')[0].trim();
}

/** Essential packages are in every Debian image, slim ones included. */
function isEssential(pkg: string): boolean {
  return dpkg('dpkg-query', ['-W', '-f=${Essential}', pkg])?.trim() === 'yes';
}

describe('deploy: the Dockerfile and Kubernetes manifests agree with the app', () => {
  const PORT = Number(DEFAULTS.get('PORT'));
  const HEALTH_PORT = Number(DEFAULTS.get('HEALTH_PORT'));
  const manifests = loadManifests();
  const ofKind = (kind: string): Manifest => {
    const found = manifests.filter(({ manifest }) => manifest.kind === kind);
    expect(found).toHaveLength(1);
    return found[0].manifest;
  };
  const deployment = ofKind('Deployment');
  const pod = deployment.spec.template;
  const [container] = pod.spec.containers;
  // Variables with a value; those from a Secret (`valueFrom`) are read in their own test.
  const env = new Map(
    (container.env ?? []).filter((v) => !v.valueFrom).map(({ name, value }) => [name, value]),
  );
  /** What the app in the pod sees: the manifest's env, else the app's default. */
  const setting = (name: string): string => {
    const value = env.get(name) ?? DEFAULTS.get(name);
    if (typeof value !== 'string')
      throw new Error(`${name}: neither a string in the manifest nor in .env.example`);
    return value;
  };
  const portNamed = (name: string) => container.ports.find((port) => port.name === name);

  const stages = dockerStages(readFileSync(join(ROOT, 'Dockerfile'), 'utf8'));
  const runtime = stages[stages.length - 1];
  const last = (keyword: string) => runtime.filter((i) => i.keyword === keyword).at(-1)?.args;
  const packageJson = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as {
    scripts: Record<string, string>;
    engines: { node: string };
  };

  it('reads its defaults from .env.example', () => {
    expect(PORT).toBeGreaterThan(0);
    expect(HEALTH_PORT).toBeGreaterThan(0);
    expect(HEALTH_PORT).not.toBe(PORT);
    expect(DEFAULTS.get('SHUTDOWN_DELAY_MS')).toMatch(/^\d+$/);
    expect(DEFAULTS.get('SHUTDOWN_TIMEOUT_MS')).toMatch(/^[1-9]\d*$/);
    expect(DEFAULTS.get('CLUSTER_WORKERS')).toMatch(/^(auto|[1-9]\d*)$/);
  });

  describe('Kubernetes', () => {
    it('has named, valid objects, all listed in kustomization.yaml', () => {
      for (const { file, manifest } of manifests) {
        expect({
          file,
          apiVersion: typeof manifest.apiVersion,
          kind: typeof manifest.kind,
        }).toEqual({ file, apiVersion: 'string', kind: 'string' });
      }
      const kustomization = ofKind('Kustomization') as unknown as { resources: string[] };
      const others = manifests.filter(({ manifest }) => manifest.kind !== 'Kustomization');
      expect([...kustomization.resources].sort()).toEqual(
        [...new Set(others.map(({ file }) => file))].sort(),
      );
    });

    it('exposes PORT as `http` and HEALTH_PORT as `probes`, as the app listens', () => {
      expect(portNamed('http')?.containerPort).toBe(PORT);
      expect(portNamed('probes')?.containerPort).toBe(HEALTH_PORT);
      expect(Number(setting('PORT'))).toBe(PORT);
      expect(Number(setting('HEALTH_PORT'))).toBe(HEALTH_PORT);
      // Kubernetes rejects env values that are not strings (`value: 0`).
      for (const [name, value] of env)
        expect({ name, type: typeof value }).toEqual({ name, type: 'string' });
    });

    it('takes REDIS_URL from an optional Secret, which the Redis component provides', () => {
      const redisUrl = container.env?.find((v) => v.name === 'REDIS_URL');
      // Optional: without the Secret the pod starts, with async jobs off.
      expect(redisUrl?.valueFrom?.secretKeyRef).toEqual({
        name: expect.any(String) as unknown,
        key: 'url',
        optional: true,
      });
      expect(DEFAULTS.get('REDIS_URL')).toBe('');
      const { name, key } = redisUrl!.valueFrom!.secretKeyRef!;

      const componentDir = join(K8S_DIR, 'components', 'redis');
      const component = loadManifests(componentDir);
      const kustomization = component.find((m) => m.manifest.kind === 'Component')
        ?.manifest as unknown as {
        apiVersion: string;
        resources: string[];
        secretGenerator: {
          name: string;
          literals: string[];
          options?: { disableNameSuffixHash?: boolean };
        }[];
      };
      expect(kustomization.apiVersion).toBe('kustomize.config.k8s.io/v1alpha1');
      const others = component.filter((m) => m.manifest.kind !== 'Component');
      expect([...kustomization.resources].sort()).toEqual([...new Set(others.map((m) => m.file))]);
      const [secret] = kustomization.secretGenerator;
      expect(secret).toMatchObject({ name, options: { disableNameSuffixHash: true } });
      const url = new URL(
        secret.literals.find((l) => l.startsWith(`${key}=`))!.slice(key.length + 1),
      );

      // The URL names the component's Service and port, which select its one Redis pod.
      const redis = others.find((m) => m.manifest.kind === 'Deployment')!.manifest;
      const service = others.find((m) => m.manifest.kind === 'Service')!.manifest as unknown as {
        metadata: { name: string };
        spec: { selector: Labels; ports: { port: number; targetPort: string }[] };
      };
      expect(url.protocol).toBe('redis:');
      expect(url.hostname).toBe(service.metadata.name);
      expect(service.spec.ports.map((p) => p.port)).toContain(Number(url.port));
      expect(redis.spec.replicas).toBe(1);
      expect(isSubset(service.spec.selector, redis.spec.template.metadata.labels)).toBe(true);
      const [redisContainer] = redis.spec.template.spec.containers as unknown as {
        args: string[];
        ports: { name: string; containerPort: number }[];
      }[];
      expect(redisContainer.ports.map((p) => p.name)).toContain(service.spec.ports[0].targetPort);
      // BullMQ's requirement: an evicted key would be a lost job.
      expect(redisContainer.args.join(' ')).toContain('--maxmemory-policy noeviction');
      // Documented as a trial, not for production, where users look.
      const readme = readFileSync(join(ROOT, 'deploy', 'README.md'), 'utf8');
      expect(readme).toMatch(/components\/redis[\s\S]*not for production/i);
      expect(readFileSync(join(componentDir, 'kustomization.yaml'), 'utf8')).toMatch(
        /NOT for production/,
      );
    });

    it.each([
      ['startupProbe', ROUTES.startup],
      ['livenessProbe', ROUTES.live],
      ['readinessProbe', ROUTES.ready],
    ] as const)('%s asks %s on the probe port', (probe, path) => {
      const { httpGet } = container[probe];
      expect(httpGet.path).toBe(path);
      const port =
        typeof httpGet.port === 'string' ? portNamed(httpGet.port)?.containerPort : httpGet.port;
      expect(port).toBe(HEALTH_PORT);
    });

    it('lets the workers start before the startup probe gives up', () => {
      const { periodSeconds, failureThreshold } = container.startupProbe;
      const startTimeoutS = Number(setting('CLUSTER_WORKER_START_TIMEOUT_MS')) / 1000;
      expect(periodSeconds * failureThreshold).toBeGreaterThan(startTimeoutS);
    });

    it('gives a stop more time than preStop + SHUTDOWN_DELAY_MS + SHUTDOWN_TIMEOUT_MS + kill grace', () => {
      const preStop = container.lifecycle?.preStop;
      const command = preStop?.exec?.command;
      const preStopS =
        preStop?.sleep?.seconds ?? (command?.[0] === 'sleep' ? Number(command[1]) : NaN);
      expect(preStopS).toBeGreaterThan(0);
      const worstStopS =
        preStopS +
        Number(setting('SHUTDOWN_DELAY_MS')) / 1000 +
        Number(setting('SHUTDOWN_TIMEOUT_MS')) / 1000 +
        PRIMARY_KILL_GRACE_S;
      expect(pod.spec.terminationGracePeriodSeconds).toBeGreaterThanOrEqual(
        worstStopS + MIN_GRACE_MARGIN_S,
      );
    });

    it('sets whole CPUs and runs one worker per CPU of the limit, with no pool oversubscribed', () => {
      const { requests, limits } = container.resources;
      const limit = cpus(limits.cpu);
      expect(Number.isInteger(limit) && limit >= 1).toBe(true);
      expect(cpus(requests.cpu)).toBe(limit);
      // The app's own plan for this pod: the budget it reads from the container's quota, and
      // the manifest's settings (CLUSTER_WORKERS may be auto or a count).
      const workers = setting('CLUSTER_WORKERS');
      const plan = planThreads({
        budget: budgetInPod(limit),
        clusterEnabled: setting('CLUSTER_ENABLED') !== 'false',
        workers: workers === 'auto' ? 'auto' : Number(workers),
        // The group that keeps CPUs busy, as src/main.ts declares it; the manifest's env may size it.
        threads: {
          groups: [{ variable: 'WORKER_POOL_THREADS', noun: 'pool thread', busy: true }],
        },
        env: Object.fromEntries([...env].map(([name, value]) => [name, String(value)])),
      });
      expect(plan).toMatchObject({ clusterEnabled: true, workers: limit, oversubscribed: false });
    });

    it('asks for the memory its workers can use: Guaranteed QoS, a peak per worker and the primary', () => {
      const { requests, limits } = container.resources;
      expect(mebibytes(requests.memory)).toBe(mebibytes(limits.memory));
      const workers = cpus(limits.cpu); // one per CPU, as the test above checks
      const uploadsMiB = Number(setting('IMAGE_MAX_BUFFERED_BYTES')) / 1024 / 1024;
      expect(mebibytes(limits.memory)).toBeGreaterThanOrEqual(
        workers * (WORKER_PEAK_RSS_MIB + uploadsMiB) + PRIMARY_RSS_MIB,
      );
    });

    it('runs as non-root on a read-only root file system, with /tmp writable', () => {
      const security = { ...pod.spec.securityContext, ...container.securityContext };
      expect(security).toMatchObject({
        runAsNonRoot: true,
        readOnlyRootFilesystem: true,
        allowPrivilegeEscalation: false,
      });
      const tmp = container.volumeMounts?.find(({ mountPath }) => mountPath === '/tmp');
      expect(tmp?.name).toMatch(/\S/);
      // Nothing but an emptyDir: no host path, no claim that outlives the pod.
      expect(pod.spec.volumes?.find(({ name }) => name === tmp?.name)).toEqual({
        name: tmp?.name,
        emptyDir: expect.any(Object) as object,
      });
    });

    it('has Prometheus scrape the primary on the probe port', () => {
      expect(pod.metadata.annotations).toMatchObject({
        'prometheus.io/scrape': 'true',
        'prometheus.io/port': String(HEALTH_PORT),
        'prometheus.io/path': ROUTES.metrics,
      });
    });

    it('routes the Service to the `http` port of the Deployment pods', () => {
      const service = ofKind('Service');
      expect(isSubset(deployment.spec.selector.matchLabels, pod.metadata.labels)).toBe(true);
      expect(isSubset(service.spec.selector, pod.metadata.labels)).toBe(true);
      expect(service.spec.ports).toEqual([
        expect.objectContaining({ port: 80, targetPort: 'http' }),
      ]);
    });

    it('scales the Deployment on CPU and keeps one pod up through voluntary disruptions', () => {
      const hpa = ofKind('HorizontalPodAutoscaler');
      expect(hpa.apiVersion).toBe('autoscaling/v2');
      expect(hpa.spec.scaleTargetRef).toEqual({
        apiVersion: 'apps/v1',
        kind: 'Deployment',
        name: deployment.metadata.name,
      });
      const cpu = hpa.spec.metrics.find(({ resource }) => resource?.name === 'cpu');
      expect(cpu?.resource?.target.type).toBe('Utilization');
      expect(hpa.spec.minReplicas).toBeGreaterThanOrEqual(2);
      expect(hpa.spec.maxReplicas).toBeGreaterThanOrEqual(hpa.spec.minReplicas);
      expect(deployment.spec.replicas).toBeUndefined(); // the HPA owns it

      const pdb = ofKind('PodDisruptionBudget');
      expect(pdb.apiVersion).toBe('policy/v1');
      expect(isSubset(pdb.spec.selector.matchLabels, pod.metadata.labels)).toBe(true);
      expect(pdb.spec.maxUnavailable).toBe(1);
    });
  });

  describe('Dockerfile', () => {
    it('builds in stages and ships production dependencies only', () => {
      expect(stages.filter((stage) => stage[0]?.keyword === 'FROM').length).toBeGreaterThanOrEqual(
        2,
      );
      const named = new Map(
        stages.map((stage) => [/\bAS\s+(\S+)$/i.exec(stage[0]?.args ?? '')?.[1], stage]),
      );
      const copies = runtime.filter((i) => i.keyword === 'COPY' && i.args.includes('node_modules'));
      expect(copies.length).toBe(1);
      const from = /--from=(\S+)/.exec(copies[0].args)?.[1];
      const installs = (named.get(from) ?? []).filter((i) => /\bnpm (ci|install)\b/.test(i.args));
      expect(installs.length).toBeGreaterThan(0);
      for (const install of installs) expect(install.args).toContain('--omit=dev');
      expect(last('ENV')).toMatch(/\bNODE_ENV=production\b/);
    });

    it('uses a glibc (Debian) image of the newest Node major engines lists, the one CI adds', () => {
      const image = /^ARG NODE_IMAGE=(\S+)/m.exec(
        stages[0].map((i) => `${i.keyword} ${i.args}`).join('\n'),
      )?.[1];
      expect(image).toMatch(/^node:\d+-(bookworm|trixie)(-slim)?(@sha256:[0-9a-f]+)?$/);
      const major = Number(/^node:(\d+)/.exec(image!)![1]);
      const listed = new semver.Range(packageJson.engines.node).set.map(
        ([lowest]) => lowest.semver.major,
      );
      expect(major).toBe(Math.max(...listed));
      // .ci/run runs the suite a second time on the Node scripts/with-node24.sh installs.
      const script = readFileSync(join(ROOT, 'scripts', 'with-node24.sh'), 'utf8');
      expect(Number(/^major=(\d+)$/m.exec(script)?.[1])).toBe(major);
    });

    it("runs `npm start`'s command as a non-root user under tini", () => {
      // By number, so that Kubernetes' runAsNonRoot can verify it.
      expect(last('USER')).toMatch(/^\d+(:\d+)?$/);
      expect(last('USER')).not.toMatch(/^(root|0)(:|$)/);
      expect(argv(last('ENTRYPOINT')!)).toEqual(['/usr/bin/tini', '--']);
      expect(
        runtime.some((i) => i.keyword === 'RUN' && /apt-get install .*\btini\b/.test(i.args)),
      ).toBe(true);
      expect(argv(last('CMD')!)).toEqual(packageJson.scripts.start.split(' '));
      expect(last('STOPSIGNAL')).toBe('SIGTERM');
    });

    it('runs as the user the Deployment declares', () => {
      const uid = Number(last('USER')!.split(':')[0]);
      expect(pod.spec.securityContext?.runAsUser ?? uid).toBe(uid);
    });

    it('exposes the ports the Deployment declares', () => {
      const exposed = last('EXPOSE')!.split(/\s+/).map(Number).sort();
      expect(exposed).toEqual([PORT, HEALTH_PORT].sort());
      expect(exposed).toEqual(container.ports.map((port) => port.containerPort).sort());
    });

    it('checks liveness on HEALTH_PORT with node itself', () => {
      const check = last('HEALTHCHECK')!;
      const command = argv(check.slice(check.indexOf('CMD') + 3).trim());
      expect(command[0]).toBe('node');
      const script = command.join(' ');
      expect(script).toContain(`path: '${ROUTES.live}'`);
      expect(script).toContain(`host: '127.0.0.1'`);
      expect(/HEALTH_PORT \|\| (\d+)/.exec(script)?.[1]).toBe(String(HEALTH_PORT));
    });

    it('has in its build context what it copies, and no .env, node_modules or dist', () => {
      const dockerignore = readFileSync(join(ROOT, '.dockerignore'), 'utf8');
      const sources = stages
        .flat()
        .filter((i) => i.keyword === 'COPY' && !i.args.includes('--from'))
        .flatMap((i) => i.args.split(/\s+/).slice(0, -1));
      expect(sources.length).toBeGreaterThan(0);
      for (const source of sources)
        expect({ source, included: contextIncludes(dockerignore, source) }).toEqual({
          source,
          included: true,
        });
      for (const name of ['.env', '.git', 'node_modules', 'dist', 'test']) {
        expect({ name, included: contextIncludes(dockerignore, name) }).toEqual({
          name,
          included: false,
        });
      }
    });

    // The image is Debian: what it has is Debian's Essential packages (in every image, slim
    // ones too) and what its runtime stage installs with apt-get. Which package ships an
    // executable is read from dpkg on this host, when it runs the image's Debian release.
    const imageRelease = /^node:\d+-([a-z]+)/.exec(
      /^ARG NODE_IMAGE=(\S+)/m.exec(
        stages[0].map((i) => `${i.keyword} ${i.args}`).join('\n'),
      )?.[1] ?? '',
    )?.[1];
    const host = hostDebianRelease();
    (host === imageRelease ? it : it.skip)(
      `has every executable the commands and preStop run (dpkg of this ${host ?? 'non-Debian'} host, image ${imageRelease})`,
      () => {
        const installed = runtime
          .filter((i) => i.keyword === 'RUN')
          .flatMap((i) => [...i.args.matchAll(/apt-get install ([^&;|]*)/g)])
          .flatMap(([, list]) => list.split(/\s+/))
          .filter((word) => /^[a-z0-9][a-z0-9.+-]*$/.test(word));
        expect(installed).toContain('tini');
        const config = JSON.parse(readFileSync(join(ROOT, 'config', 'commands.json'), 'utf8')) as {
          commands: Record<string, { executable: string }>;
        };
        const executables = Object.values(config.commands).map(({ executable }) => executable);
        executables.push(...(container.lifecycle?.preStop?.exec?.command.slice(0, 1) ?? []));
        expect(executables.length).toBeGreaterThan(0);
        for (const executable of executables) {
          const pkg = packageOf(executable.split('/').at(-1)!);
          const inImage = pkg !== undefined && (isEssential(pkg) || installed.includes(pkg));
          expect({ executable, pkg, inImage }).toEqual({ executable, pkg, inImage: true });
        }
      },
    );
  });
});
