'use strict';
/**
 * The soak's command-line flags.
 */
const { randomInt } = require('node:crypto');
const { parseArgs } = require('node:util');
const { DEFAULT_KINDS, KINDS } = require('./chaos.cjs');

/** Kinds that run only when asked for. */
const OPTIONAL = Object.keys(KINDS).filter((kind) => !DEFAULT_KINDS.includes(kind));

const USAGE = `Usage: npm run soak -- [--minutes=N] [--seed=N] [--clients=N] [--chaos=KINDS] [--json=FILE] [--keep] [--verbose]
   or: node scripts/soak/soak.cjs …   (after npm run build)

  --minutes  how long traffic and chaos run (default 1; fractions allowed)
  --seed     seed of every random choice (default: a random one, printed; pass it again to replay)
  --clients  concurrent clients, each on its own keep-alive connection (default 4)
  --chaos    chaos events, comma-separated (default ${DEFAULT_KINDS.join(',')};
             ${OPTIONAL.length > 0 ? `also: ${OPTIONAL.join(',')}; ` : ''}none: no chaos)
  --json     also write the run (summary, every violation, chaos events, RSS samples) to FILE
  --keep     keep the service's log even when every invariant holds (it is kept when one breaks)
  --verbose  print each chaos event as it happens

Exit code: 0 when every invariant holds, 1 when one is broken, 2 when the soak itself failed.`;

function fail(message) {
  console.error(`soak: ${message}\n\n${USAGE}`);
  process.exit(2);
}

function number(value, name, min, max) {
  const n = Number(value);
  if (!Number.isFinite(n) || n < min || n > max)
    fail(`--${name} must be a number from ${min} to ${max}`);
  return n;
}

function readOptions(argv) {
  let values;
  try {
    ({ values } = parseArgs({
      args: argv,
      options: {
        minutes: { type: 'string', default: '1' },
        seed: { type: 'string' },
        clients: { type: 'string', default: '4' },
        chaos: { type: 'string', default: DEFAULT_KINDS.join(',') },
        json: { type: 'string' },
        keep: { type: 'boolean', default: false },
        verbose: { type: 'boolean', default: false },
        help: { type: 'boolean', short: 'h' },
      },
    }));
  } catch (error) {
    fail(error.message);
  }
  if (values.help) {
    console.log(USAGE);
    process.exit(0);
  }
  const chaos =
    values.chaos === 'none'
      ? []
      : values.chaos
          .split(',')
          .map((kind) => kind.trim())
          .filter(Boolean);
  const unknown = chaos.filter((kind) => !(kind in KINDS));
  if (unknown.length > 0) fail(`unknown chaos event ${unknown.join(', ')}`);
  return {
    minutes: number(values.minutes, 'minutes', 0.1, 24 * 60),
    seed:
      values.seed === undefined
        ? randomInt(1, 2 ** 31)
        : Math.trunc(number(values.seed, 'seed', 0, 2 ** 53)),
    clients: Math.round(number(values.clients, 'clients', 1, 32)),
    chaos,
    json: values.json,
    keep: values.keep,
    verbose: values.verbose,
  };
}

module.exports = { readOptions };
