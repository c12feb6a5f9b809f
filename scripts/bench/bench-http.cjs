'use strict';
/**
 * Section 0, the HTTP layer: CPU per trivial request and requests per second of one process,
 * on GET /health/live (8 keep-alive connections), for
 * - the service (`node dist/main.js`, CLUSTER_ENABLED=false, NODE_ENV=production, logging on),
 * - today's service: the same, built from the last commit on Express (baseline-build.cjs),
 * - a vanilla NestJS 12 app on Fastify and one on Express (fixtures/vanilla-nest.cjs) returning
 *   the same JSON.
 * CPU is the server process's own (utime + stime from /proc/<pid>/stat) over the window,
 * divided by the requests answered in it. Interleaved rounds; verdicts by the rule in lib.cjs
 * (per-round ratios, their median, min and max).
 */
const { join } = require('node:path');
const { fmt, heading, interleave, median, perRound, table, verdict } = require('./lib.cjs');
const { measureLoad } = require('./load.cjs');
const { baselineBuild, EXPRESS_REVISION } = require('./baseline-build.cjs');
const { ownCpuSeconds, startServer } = require('./processes.cjs');

const ROOT = join(__dirname, '..', '..');
const CONNECTIONS = 8;
const GOAL_CPU_VS_VANILLA_FASTIFY = 2;
const GOAL_RPS_VS_TODAY = 5;

const SERVICE_ENV = {
  CLUSTER_ENABLED: 'false',
  NODE_ENV: 'production',
  LOG_LEVEL: 'info',
  LOG_FORMAT: 'json',
  SHUTDOWN_TIMEOUT_MS: '2000',
};

function spread(values, format) {
  const sorted = [...values].sort((a, b) => a - b);
  return `${format(median(values))} (${format(sorted[0])}–${format(sorted.at(-1))})`;
}

async function benchHttp({ duration, rounds }) {
  heading('0. HTTP layer: CPU per trivial request and requests/s, service vs vanilla Nest');
  const baseline = baselineBuild();
  const servers = [];
  try {
    const vanilla = join(__dirname, 'fixtures', 'vanilla-nest.cjs');
    const specs = [
      ['service (Fastify)', join(ROOT, 'dist', 'main.js'), [], SERVICE_ENV],
      [
        `today's service (Express, ${EXPRESS_REVISION})`,
        join(baseline, 'dist', 'main.js'),
        [],
        SERVICE_ENV,
      ],
      ['vanilla Nest on Fastify', vanilla, ['fastify'], { NEST_ROOT: ROOT }],
      ['vanilla Nest on Express', vanilla, ['express'], { NEST_ROOT: baseline }],
    ];
    for (const [name, script, args, env] of specs) {
      servers.push(await startServer(name, script, env, { args }));
    }
    console.log(
      `GET /health/live, ${CONNECTIONS} keep-alive connections (autocannon in the bench process), ` +
        `${duration} s windows after 1 s of warm-up, ${rounds} interleaved rounds. Services: ` +
        `${Object.entries(SERVICE_ENV)
          .map(([k, v]) => `${k}=${v}`)
          .join(' ')} (access lines of probes are debug: off at info, as in production).\n`,
    );
    const results = await interleave(servers, rounds, async (server) => {
      const r = await measureLoad(
        { url: `${server.url}/health/live`, connections: CONNECTIONS },
        duration,
        1,
        { server: server.cpuSeconds, 'load gen': ownCpuSeconds },
      );
      const failures = r.other + r.errors;
      return {
        perSecond: r.perSecond,
        cpuUsPerRequest: (r.cores.server * r.seconds * 1e6) / Math.max(1, r.ok),
        serverCores: r.cores.server,
        loadGenCores: r.cores['load gen'],
        failures,
      };
    });
    const pick = (server, key) => results.get(server).map((r) => r[key]);
    const us = (v) => `${v.toFixed(1)} µs`;
    const rps = (v) => fmt.num(v);
    table(
      [
        'server',
        'CPU per request (median, min–max)',
        'requests/s (median, min–max)',
        'server cores',
        'load gen cores',
        'non-2xx+errors',
      ],
      servers.map((s) => [
        s.name,
        spread(pick(s, 'cpuUsPerRequest'), us),
        spread(pick(s, 'perSecond'), rps),
        median(pick(s, 'serverCores')).toFixed(2),
        median(pick(s, 'loadGenCores')).toFixed(2),
        fmt.num(pick(s, 'failures').reduce((a, b) => a + b, 0)),
      ]),
    );
    const [service, today, fastify, express] = servers;
    const cpu = (s) => median(pick(s, 'cpuUsPerRequest'));
    // The verdicts pair the servers round by round (lib.cjs, the verdict rule).
    const cpuRounds = perRound(pick(service, 'cpuUsPerRequest'), pick(fastify, 'cpuUsPerRequest'));
    const rpsRounds = perRound(pick(service, 'perSecond'), pick(today, 'perSecond'));
    const expressRounds = perRound(
      pick(express, 'cpuUsPerRequest'),
      pick(fastify, 'cpuUsPerRequest'),
    );
    console.log(
      `\nCPU per request: service ${us(cpu(service))}, today's ${us(cpu(today))}, vanilla Fastify ` +
        `${us(cpu(fastify))}, vanilla Express ${us(cpu(express))}; service/vanilla Fastify ` +
        `${spread(cpuRounds, fmt.ratio)} per round, today's/vanilla Express ` +
        `${fmt.ratio(cpu(today) / cpu(express))}. Requests/s service/today's ${spread(rpsRounds, fmt.ratio)} ` +
        `per round (the load generator shares the cores: when it saturates, requests/s stop ` +
        `telling the servers apart; CPU per request still does).`,
    );
    return {
      verdicts: [
        verdict(
          'HTTP CPU/request service/vanilla Nest-on-Fastify',
          cpuRounds,
          GOAL_CPU_VS_VANILLA_FASTIFY,
          {
            atMost: true,
            goalText: `≤ ${GOAL_CPU_VS_VANILLA_FASTIFY}×`,
          },
        ),
        verdict('HTTP requests/s service/today (Express)', rpsRounds, GOAL_RPS_VS_TODAY, {
          goalText: `≥ ${GOAL_RPS_VS_TODAY}×`,
        }),
        verdict('HTTP CPU/request vanilla Express/vanilla Fastify', expressRounds, undefined),
      ],
      raw: Object.fromEntries([...results].map(([s, list]) => [s.name, list])),
    };
  } finally {
    for (const server of servers) await server.stop();
  }
}

module.exports = { benchHttp };
