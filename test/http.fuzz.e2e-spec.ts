import fc from 'fast-check';
import { fuzz, fuzzRuns } from './support/fuzz';
import { type Expectation, problemsOf } from './support/http-fuzz/answer';
import type { FuzzCase } from './support/http-fuzz/case';
import { FRAMING_STATUSES, framingCases, type RawCase } from './support/http-fuzz/framing';
import { getCases, type Served, unservedCases } from './support/http-fuzz/gets';
import { sendRaw } from './support/http-fuzz/raw';
import { headBytes, MAX_HEAD_BYTES, send } from './support/http-fuzz/request';
import { transferCases } from './support/http-fuzz/transfer';
import {
  FUZZ_LIMITS,
  FuzzedService,
  GRACE_MS,
  PROBE_DEADLINE_MS,
  RSS_BOUND_MB,
} from './support/http-fuzz/service';
import { workloadKits } from './support/workloads';

/*
 * Issue 10, property-based: generated requests to every public route of the real service
 * (`node dist/main.js`, one process), over real HTTP on 127.0.0.1, from outside only: the
 * HTTP layer underneath may change, these must not. The probes, the docs and the HTTP
 * parser are this file's; each workload's routes, cases, limits and files come from its kit
 * (src/workloads/<name>/test/<name>.kit.ts, found by test/support/workloads.ts), so the
 * properties cover the workloads present.
 * Queries, headers, content types, codings and bodies: valid, truncated, oversized, hostile
 * (bombs, unicode and control characters, deep JSON, __proto__ keys, option-looking values,
 * huge numbers, repeated parameters, bad boundaries). For every request:
 *
 * - an answer, complete within the route's deadline (WORKER_TASK_TIMEOUT_MS, the command's
 *   timeoutMs, or the readiness probe's timeout for GETs) plus GRACE_MS;
 * - a status the route documents (its OpenAPI responses; README for /docs and unknown paths),
 *   and one this request may get: its success when it is valid, else the refusal one of its
 *   faults calls for (whichever the route checks first);
 * - every 4xx and 5xx a JSON { statusCode, error, message } with statusCode = the status and
 *   a message within 1 KiB; a 503 with Retry-After; a well-formed X-Request-Id (README, Logs);
 * - a 200's content as promised (the image's format and size, a PDF, a command's exact output);
 * - then the service still runs, holds under RSS_BOUND_MB, and runs no command;
 * and after each property, /health/ready answers 200. The same holds for bursts of concurrent
 * requests (plus 503: capacity), for malformed HTTP (any 4xx of the parser's, as JSON), and for
 * bodies that stop arriving (any documented status or 408, within the deadline).
 *
 * FUZZ_SEED replays a run, FUZZ_RUNS sizes it (`npm run fuzz -- --runs=N`).
 */

/** Requests whose line and headers fit Node's limit (the framing property goes past it). */
const withinHeadLimit = (cases: fc.Arbitrary<FuzzCase>) =>
  cases.filter((kase) => headBytes(kase.request) <= MAX_HEAD_BYTES);

type Route = Omit<Expectation, 'allowed'>;

/** A failing case is shrunk through at most this many other requests. */
const SHRINKS = 40;
/** Past the deadline and the grace, the client waits this much more before calling it a hang. */
const PATIENCE_MS = 1_000;

const kits = workloadKits();
/** The POST routes of the workloads present. */
const posts = kits.flatMap((kit) => kit.fuzz.routes);
/** `it`, or `it.skip` when no workload is left to fuzz. */
const withPosts = posts.length > 0 ? it : it.skip;

describe('HTTP fuzz: every public route (node dist/main.js)', () => {
  let service: FuzzedService;
  const rss: number[] = [];
  /** Statuses seen per test, printed at the end: what the generators reached. */
  const seen = new Map<string, Map<string, number>>();
  const tally = (status: string) => {
    const name = expect.getState().currentTestName ?? '';
    const counts = seen.get(name) ?? new Map<string, number>();
    counts.set(status, (counts.get(status) ?? 0) + 1);
    seen.set(name, counts);
  };

  beforeAll(async () => {
    service = await FuzzedService.start(
      Object.fromEntries(kits.flatMap((kit) => Object.entries(kit.fuzz.env))),
    );
    for (const kit of kits) await kit.fuzz.prepare?.();
  }, 60_000);

  afterAll(async () => {
    await service?.stop();
    const lines = [...seen].map(([name, counts]) => {
      const sorted = [...counts].sort(([a], [b]) => a.localeCompare(b));
      const test = name.replace(/^HTTP fuzz: every public route \(node dist\/main.js\) /, '');
      return `${test}: ${sorted.map(([status, n]) => `${status}×${n}`).join(' ')}`;
    });
    if (rss.length > 0) {
      lines.push(
        `RSS of the service: max ${Math.max(...rss)} MiB over ${rss.length} cases (bound ${RSS_BOUND_MB})`,
      );
    }
    console.log(lines.join('\n'));
  });

  /** Sends `kase`; throws the list of what is wrong with its answer and the service after it. */
  async function check(kase: FuzzCase, route: Route): Promise<void> {
    const deadlineMs = kase.deadlineMs ?? route.deadlineMs;
    const answer = await send(service.port, kase.request, deadlineMs + GRACE_MS + PATIENCE_MS);
    tally(String(answer.status ?? answer.error));
    const problems = problemsOf(answer, { ...route, deadlineMs, allowed: kase.allowed });
    if (problems.length === 0 && kase.verify) problems.push(...(await kase.verify(answer)));
    problems.push(...(await service.problems()));
    rss.push(service.rssMb());
    if (problems.length > 0) throw new Error(problems.join('\n'));
  }

  /** A jest timeout for `runs` cases of at most `caseMs` each, plus shrinking. */
  const budget = (ciRuns: number, caseMs: number) =>
    (fuzzRuns(ciRuns) + SHRINKS) * (caseMs + GRACE_MS + PATIENCE_MS + 1_500) + 10_000;

  const property = (cases: fc.Arbitrary<FuzzCase>, route: Route) =>
    fc.asyncProperty(fc.limitShrink(withinHeadLimit(cases), SHRINKS), (kase) => check(kase, route));

  afterEach(
    async () => {
      expect(await service.ready()).toBe(true);
    },
    FUZZ_LIMITS.readyHysteresisMs + GRACE_MS + 1_000,
  );

  /** What the answers of `post` are held to. */
  const routeOf = (post: (typeof posts)[number]): Route => ({
    documented: service.documented(post.operationId),
    deadlineMs: post.deadlineMs,
    graceMs: GRACE_MS,
    streams: post.streams,
  });
  const casesOf = (post: (typeof posts)[number]) =>
    post.cases((operationId) => service.documented(operationId));

  if (posts.length > 0) {
    it.each(posts.map((post) => [post.name, post] as const))(
      '%s',
      async (_, post) => {
        await fuzz(property(casesOf(post), routeOf(post)), post.runs);
      },
      budget(60, FUZZ_LIMITS.taskTimeoutMs),
    );
  }

  withPosts(
    'bursts of concurrent requests to the POST routes (503 allowed: capacity)',
    async () => {
      const mixed = fc.oneof(
        ...posts.map((post) => {
          const route = routeOf(post);
          return withinHeadLimit(casesOf(post)).map((kase) => ({ kase, route }));
        }),
      );
      await fuzz(
        fc.asyncProperty(
          fc.limitShrink(fc.array(mixed, { minLength: 8, maxLength: 16 }), 10),
          async (burst) => {
            const answers = await Promise.all(
              burst.map(({ kase, route }) =>
                send(
                  service.port,
                  kase.request,
                  (kase.deadlineMs ?? route.deadlineMs) + GRACE_MS + PATIENCE_MS,
                ),
              ),
            );
            const problems = answers.flatMap((answer, i) => {
              const { kase, route } = burst[i];
              tally(String(answer.status ?? answer.error));
              const deadlineMs = kase.deadlineMs ?? route.deadlineMs;
              const allowed = [...kase.allowed, 503];
              return problemsOf(answer, { ...route, deadlineMs, allowed }).map(
                (p) => `#${i}: ${p}`,
              );
            });
            problems.push(...(await service.problems()));
            rss.push(service.rssMb());
            if (problems.length > 0) throw new Error(problems.join('\n'));
          },
        ),
        5,
      );
    },
    budget(5, FUZZ_LIMITS.taskTimeoutMs),
  );

  it(
    'GET /health/live, /health/ready and /docs with any query and headers',
    async () => {
      const probe = (id: string) => ({ documented: service.documented(id), allowed: [200] });
      // README: Swagger UI at /docs, the OpenAPI document as JSON and YAML beside it.
      const docs = { documented: [200], allowed: [200] };
      const served: Served = {
        '/health/live': probe('live'),
        '/health/ready': probe('ready'),
        '/docs': docs,
        '/docs/': docs,
        '/docs/openapi.json': docs,
        '/docs/openapi.yaml': docs,
      };
      await fuzz(
        fc.asyncProperty(fc.limitShrink(withinHeadLimit(getCases(served)), SHRINKS), (kase) => {
          const path = kase.request.path.replace(/\?.*/, '');
          return check(kase, {
            documented: served[path].documented,
            deadlineMs: PROBE_DEADLINE_MS,
            graceMs: GRACE_MS,
          });
        }),
        40,
      );
    },
    budget(40, PROBE_DEADLINE_MS),
  );

  it(
    'paths and methods the app does not serve',
    async () => {
      await fuzz(
        property(unservedCases(), {
          // README: no route, 404; OPTIONS may list a path's methods; a path that is not
          // valid percent-encoding cannot be routed at all (400); Swagger UI's static files
          // under /docs/ redirect a directory to its slash form (301) and refuse a path they
          // will not map to a file (403).
          documented: [200, 204, 301, 400, 403, 404],
          deadlineMs: PROBE_DEADLINE_MS,
          graceMs: GRACE_MS,
        }),
        30,
      );
    },
    budget(30, PROBE_DEADLINE_MS),
  );

  it(
    'malformed HTTP: header floods, control characters, broken framing',
    async () => {
      const deadlineMs = PROBE_DEADLINE_MS;
      await fuzz(
        fc.asyncProperty(
          fc.limitShrink(
            framingCases(
              service.port,
              kits.flatMap((kit) => kit.fuzz.framingTargets),
            ),
            SHRINKS,
          ),
          async (kase: RawCase) => {
            const answer = await sendRaw(
              service.port,
              kase.bytes,
              deadlineMs + GRACE_MS + PATIENCE_MS,
            );
            tally(String(answer.status ?? answer.error));
            const problems =
              answer.status === undefined
                ? [`no answer (${answer.error}) after ${Math.round(answer.ms)} ms`]
                : problemsOf(answer, {
                    documented: FRAMING_STATUSES,
                    allowed: FRAMING_STATUSES,
                    deadlineMs,
                    graceMs: GRACE_MS,
                    fromApp: false,
                  });
            problems.push(...(await service.problems()));
            if (problems.length > 0) throw new Error(problems.join('\n'));
          },
        ),
        20,
      );
    },
    budget(20, PROBE_DEADLINE_MS),
  );

  withPosts(
    'bodies that stop arriving: held, answered within the deadline; dropped, nothing left running',
    async () => {
      const routes = kits.flatMap((kit) => kit.fuzz.transfers());
      const cases = transferCases(routes, (id) => service.documented(id));
      await fuzz(
        // Each shrink of a request that hangs costs a deadline: few of them.
        fc.asyncProperty(fc.limitShrink(cases, 5), async (kase) => {
          const documented = [...service.documented(kase.route.operationId), 408];
          // The HTTP parser may answer a body that stops (a timeout, an early end): no request id.
          const route = {
            documented,
            deadlineMs: kase.deadlineMs!,
            graceMs: GRACE_MS,
            fromApp: false,
            streams: kase.route.streams,
          };
          if (kase.request.cut?.then === 'hold') return check(kase, route);
          // The client went away: an answer is optional, a hang or a leftover command is not.
          const answer = await send(
            service.port,
            kase.request,
            kase.deadlineMs! + GRACE_MS + PATIENCE_MS,
          );
          tally(String(answer.status ?? answer.error));
          const problems =
            answer.status === undefined
              ? answer.error === 'client-timeout'
                ? [`the connection stayed open, unanswered, for ${Math.round(answer.ms)} ms`]
                : []
              : problemsOf(answer, { ...route, allowed: kase.allowed });
          problems.push(...(await service.problems()));
          if (problems.length > 0) throw new Error(problems.join('\n'));
        }),
        6,
      );
    },
    budget(6, FUZZ_LIMITS.taskTimeoutMs),
  );
});
