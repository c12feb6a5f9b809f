/**
 * The Node this suite runs on. `.ci/run` runs the suite on the machine's Node and again on
 * Node 24 (scripts/with-node24.sh, which sets EXPECT_NODE_MAJOR=24): these checks fail when a
 * run meant for one Node reached another anywhere, when an installed runtime dependency does
 * not declare this Node, when a native addon was compiled here instead of coming prebuilt, or
 * when the service prints a Node warning (a line that is not JSON) at any point from start to exit.
 */
import { execFile } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join, sep } from 'node:path';
import { promisify } from 'node:util';
import semver from 'semver';
import { parsePrometheus } from './support/prometheus';
import { freePort, ServiceProcess } from './support/service-process';
import { sendExample, workloadExamples } from './support/workloads';

const ROOT = join(__dirname, '..');
const NODE_MODULES = join(ROOT, 'node_modules');
const run = promisify(execFile);

/** What `node -p process.version` prints with the Node at `file`. */
async function versionOf(file: string): Promise<string> {
  const { stdout } = await run(file, ['-p', 'process.version']);
  return stdout.trim();
}

/** `node -e script` with this Node, in the project (so it resolves node_modules). */
async function evaluate(script: string): Promise<unknown> {
  const { stdout } = await run(process.execPath, ['-e', script], { cwd: ROOT });
  return JSON.parse(stdout) as unknown;
}

interface LockEntry {
  dev?: boolean;
  engines?: unknown;
}

/** The `engines.node` range of a lockfile entry (very old packages list strings instead). */
function nodeRange(engines: unknown): string | undefined {
  const range = (engines as { node?: unknown } | undefined)?.node;
  return typeof range === 'string' ? range : undefined;
}

describe('the Node this suite runs on', () => {
  it('is the one the run expects, and the one npm, `node` on PATH and jest all run', async () => {
    const expected = process.env.EXPECT_NODE_MAJOR;
    if (expected !== undefined) expect(`v${semver.major(process.version)}`).toBe(`v${expected}`);
    // npm scripts and the `#!/usr/bin/env node` bins (npm, jest, tsc) run on the first `node`
    // on PATH; npm records its own in npm_node_execpath when it started this run.
    expect(await versionOf('node')).toBe(process.version);
    const npmNode = process.env.npm_node_execpath;
    if (npmNode) expect(await versionOf(npmNode)).toBe(process.version);
  });

  it('is one that this project and every installed runtime dependency declare', () => {
    const project = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as {
      engines: { node: string };
    };
    // What `npm ci` would warn about (EBADENGINE), dev tools aside: they never reach the image.
    const lock = JSON.parse(readFileSync(join(ROOT, 'package-lock.json'), 'utf8')) as {
      packages: Record<string, LockEntry>;
    };
    const installed = Object.entries(lock.packages)
      .filter(([path, entry]) => path !== '' && !entry.dev && existsSync(join(ROOT, path)))
      .map(([path, entry]) => [path, nodeRange(entry.engines)] as const);
    const refusing = [['package.json', project.engines.node] as const, ...installed]
      .filter(([, range]) => range !== undefined && !semver.satisfies(process.version, range))
      .map(([path, range]) => `${path} wants node ${range}`);
    expect(refusing).toEqual([]);
  });

  it('loads the native addons from their prebuilt Node-API packages; none was compiled here', async () => {
    const loaded = (await evaluate(
      `require('sharp'); require('@napi-rs/nice');
       console.log(JSON.stringify(process.report.getReport().sharedObjects
         .filter((file) => file.endsWith('.node'))));`,
    )) as string[];
    expect(loaded.sort()).toEqual([
      expect.stringMatching(/\/node_modules\/@img\/sharp-[a-z0-9-]+\/[^/]+\/[^/]+\.node$/),
      expect.stringMatching(/\/node_modules\/@napi-rs\/nice-[a-z0-9-]+\/[^/]+\.node$/),
    ]);
    // node-gyp writes build/Release/*.node: an install script compiled something.
    const compiled = readdirSync(NODE_MODULES, { recursive: true, encoding: 'utf8' }).filter(
      (file) => file.endsWith('.node') && file.split(sep).includes('build'),
    );
    expect(compiled).toEqual([]);
  });

  // package.json's overrides hold three transitive dependencies at their last major for
  // Node 20 (the newest want Node >= 22): each is called here the way its dependent calls it.
  it('runs the dependencies held back by overrides the way their dependents call them', async () => {
    const results = await evaluate(
      `const { FileTypeValidator } = require('@nestjs/common');
       const fastify = require('fastify');
       const sharp = require('sharp');
       (async () => {
         // file-type 21: @nestjs/common's FileTypeValidator reads the magic number.
         const png = await sharp({ create: { width: 2, height: 2, channels: 3, background: '#000' } }).png().toBuffer();
         const jpeg = await sharp(png).jpeg().toBuffer();
         const validator = new FileTypeValidator({ fileType: 'image/png' });
         const fileType = [
           await validator.isValid({ buffer: png, mimetype: 'image/png' }),
           await validator.isValid({ buffer: jpeg, mimetype: 'image/png' }),
         ];
         // content-disposition 2: @fastify/static's reply.download() names the file;
         // cookie 1: light-my-request (fastify.inject) writes the request's Cookie header.
         const app = fastify();
         await app.register(require('@fastify/static'), { root: ${JSON.stringify(ROOT)}, serve: false });
         app.get('/download', (request, reply) => reply.download('package.json', 'r\u00e9sum\u00e9.json'));
         app.get('/cookie', (request) => request.headers.cookie);
         const download = await app.inject({ url: '/download' });
         const cookie = await app.inject({ url: '/cookie', cookies: { a: 'b c', d: '1' } });
         await app.close();
         console.log(JSON.stringify({
           fileType,
           download: [download.statusCode, download.headers['content-disposition'], JSON.parse(download.body).name],
           cookie: cookie.body,
         }));
       })();`,
    );
    expect(results).toEqual({
      fileType: [true, false],
      download: [
        200,
        `attachment; filename="r?sum?.json"; filename*=UTF-8''r%C3%A9sum%C3%A9.json`,
        'nest-concurrency-starter',
      ],
      cookie: 'a=b%20c; d=1',
    });
  });

  it('runs `node dist/main.js` on it from start to exit, which prints no Node warning', async () => {
    const [port, healthPort] = [await freePort(), await freePort()];
    const probes = `http://127.0.0.1:${healthPort}`;
    const service = new ServiceProcess({
      PORT: String(port),
      HEALTH_PORT: String(healthPort),
      CLUSTER_WORKERS: '1',
    });
    try {
      await service.waitForOk(`${probes}/health/ready`);
      // Each workload's work once (sharp in-process, pdfkit on a pool thread, a command via
      // the spawn helper): its README example, from its kit.
      const examples = await workloadExamples();
      const problems = await Promise.all(examples.map((example) => sendExample(port, example)));
      expect(problems.flat()).toEqual([]);
      const scrape = parsePrometheus(await (await fetch(`${probes}/metrics`)).text());
      const versions = scrape
        .filter((sample) => sample.name === 'nodejs_version_info')
        .map((sample) => `${sample.labels.worker} ${sample.labels.version}`);
      expect(versions.sort()).toEqual([`1 ${process.version}`, `primary ${process.version}`]);

      service.child.kill('SIGTERM');
      expect(await service.exited).toEqual({ code: 0, signal: null });
      // Read to its end: a warning printed while it stops comes after the last test's check.
      await service.closed;
      expect(service.nonJsonLines()).toEqual([]);
    } finally {
      await service.stop();
    }
  });
});
