'use strict';
/**
 * `npm run generate:command -- [--timeout-ms=N] [--max-output-bytes=N] <name> <executable> [args...]`:
 * adds an entry to the command allowlist (config/commands.json, or the file COMMANDS_CONFIG
 * names), which `POST /commands/:name` serves after `npm run reload`.
 *
 * The arguments are stored as the argv they are (no shell ever reads them). The entry is
 * inserted as text, so the rest of the file keeps its layout, and the result is parsed back
 * and compared with what was meant before it is written.
 */
const {
  accessSync,
  constants,
  readFileSync,
  renameSync,
  statSync,
  writeFileSync,
} = require('node:fs');
const { delimiter, isAbsolute, join, normalize, relative, resolve } = require('node:path');
const { isDeepStrictEqual } = require('node:util');
const {
  ROOT,
  GenerateError,
  appendToList,
  format,
  isFormatted,
  matchingBracket,
  runMain,
} = require('./lib.cjs');

const USAGE = `Usage: npm run generate:command -- [options] <name> <executable> [args...]

  <name>        lower-case letters, digits, - and _ (at most 64): the route POST /commands/<name>
  <executable>  a name found on PATH now, or an absolute path; never a shell
  [args...]     the argv, stored as given (everything after <executable>, options included)

  --timeout-ms=N        this command's deadline, overriding CHILD_PROCESS_TIMEOUT_MS
  --max-output-bytes=N  this command's stdout cap, overriding CHILD_PROCESS_MAX_OUTPUT_BYTES
  --allow-interpreter   accept a shell or interpreter (sh, bash, python3, node, env, ...):
                        the request body becomes its program; only for trusted callers

Parameters ({placeholders} filled from the query) are added by hand: see the README.`;

/** The same rule as src/workloads/commands/commands.catalog.ts. */
const NAME = /^[a-z0-9][a-z0-9_-]{0,63}$/;
const OPTIONS = { '--timeout-ms': 'timeoutMs', '--max-output-bytes': 'maxOutputBytes' };

/**
 * Programs that run what they read, or run another program: the request body is the
 * command's stdin, so any of these would serve a remote shell. Matched on the bare name and
 * on the resolved file's name (a versioned `python3.12`, a `busybox` applet link).
 */
const INTERPRETERS =
  /^(?:sh|bash|dash|zsh|ksh|mksh|csh|tcsh|fish|ash|busybox|env|sudo|su|doas|xargs|nohup|nice|ionice|timeout|chroot|setsid|stdbuf|time|watch|script|node|nodejs|deno|bun|python[0-9.]*|pypy[0-9.]*|perl[0-9.]*|ruby[0-9.]*|php[0-9.]*|lua[0-9.]*|luajit|tclsh[0-9.]*|wish|awk|gawk|mawk|nawk|sed|ed|vi|vim|ex|find|make|ssh|socat|nc|ncat|git)$/;

/** Options come first; from <name> on, every word is taken as it is. */
function parseCommandLine(argv) {
  const overrides = {};
  let allowInterpreter = false;
  let i = 0;
  for (; i < argv.length && argv[i].startsWith('-'); i++) {
    if (argv[i] === '--help' || argv[i] === '-h') return { help: true };
    if (argv[i] === '--allow-interpreter') {
      allowInterpreter = true;
      continue;
    }
    const [flag, value] = argv[i].split(/=(.*)/s, 2);
    const key = OPTIONS[flag];
    if (!key) throw new GenerateError(`unknown option ${argv[i]}\n\n${USAGE}`);
    if (!/^[1-9][0-9]*$/.test(value ?? '') || !Number.isSafeInteger(Number(value))) {
      throw new GenerateError(`${flag} needs a positive integer, as in ${flag}=5000`);
    }
    overrides[key] = Number(value);
  }
  const [name, executable, ...args] = argv.slice(i);
  if (name === undefined || executable === undefined) {
    throw new GenerateError(`a name and an executable are required\n\n${USAGE}`);
  }
  return { name, executable, args, overrides, allowInterpreter };
}

/**
 * The absolute path `name` would run, by the rules of ExecutableResolver
 * (src/concurrency/child-process/executable.ts): absolute paths as given, bare names on
 * the absolute entries of PATH, relative paths refused.
 */
function locate(name) {
  if (isAbsolute(name)) {
    if (isExecutableFile(normalize(name))) return normalize(name);
    throw new GenerateError(`${name} is not an executable file`);
  }
  if (name.includes('/')) {
    throw new GenerateError(`${name} is a relative path; use a bare name or an absolute path`);
  }
  for (const dir of (process.env.PATH ?? '').split(delimiter)) {
    if (!isAbsolute(dir)) continue;
    if (isExecutableFile(join(dir, name))) return join(dir, name);
  }
  throw new GenerateError(`"${name}" was not found on PATH; install it or give an absolute path`);
}

function isExecutableFile(path) {
  try {
    if (!statSync(path).isFile()) return false;
    accessSync(path, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

/** The file the service reads: COMMANDS_CONFIG, relative to where npm was run, or the default. */
function commandsFile() {
  const configured = process.env.COMMANDS_CONFIG?.trim();
  if (!configured) return join(ROOT, 'config', 'commands.json');
  return resolve(process.env.INIT_CWD ?? process.cwd(), configured);
}

/** `source` with `"name": entry` appended to its "commands" object, or undefined. */
function insertEntry(source, name, entry) {
  const key = /"commands"\s*:\s*\{/.exec(source);
  if (!key) return undefined;
  const open = key.index + key[0].length - 1;
  const close = matchingBracket(source, open);
  if (close < 0) return undefined;
  const keyLine = source.slice(source.lastIndexOf('\n', key.index) + 1, key.index);
  const indent = `${/^\s*/.exec(keyLine)[0]}  `;
  const fields = Object.entries(entry).map(([k, v]) => `${JSON.stringify(k)}: ${oneLine(v)}`);
  const text = `${JSON.stringify(name)}: { ${fields.join(', ')} }`;
  return appendToList(source, open, close, text, indent);
}

function oneLine(value) {
  return Array.isArray(value) ? `[${value.map(oneLine).join(', ')}]` : JSON.stringify(value);
}

async function main() {
  const parsed = parseCommandLine(process.argv.slice(2));
  if (parsed.help) {
    process.stdout.write(`${USAGE}\n`);
    return;
  }
  const { name, executable, args, overrides, allowInterpreter } = parsed;
  if (!NAME.test(name)) {
    throw new GenerateError(
      `"${name}" is not a valid command name: lower-case letters, digits, - and _, ` +
        'starting with a letter or digit, at most 64 characters',
    );
  }
  const placeholder = args.find((arg) => /\{[^{}]*\}/.test(arg));
  if (placeholder !== undefined) {
    throw new GenerateError(
      `argument "${placeholder}" has a {placeholder}, which needs a declared parameter: ` +
        'add the command without it, then add "params" by hand (see the README)',
    );
  }
  const isInterpreter = (file) => INTERPRETERS.test(file.split('/').pop());
  const refuseInterpreter = () => {
    throw new GenerateError(
      `"${executable}" runs whatever it is given, and POST /commands/${name} would give it the ` +
        'request body: anyone who can reach the route would run code here. Refused; wrap the ' +
        'work in a script of its own, or pass --allow-interpreter if only trusted callers reach it',
    );
  };
  if (isInterpreter(executable) && !allowInterpreter) refuseInterpreter();
  const path = locate(executable);
  const interpreter = isInterpreter(executable) || isInterpreter(path);
  if (interpreter && !allowInterpreter) refuseInterpreter();

  const file = commandsFile();
  const shown = relative(ROOT, file).startsWith('..') ? file : relative(ROOT, file);
  let source;
  let json;
  try {
    source = readFileSync(file, 'utf8');
    json = JSON.parse(source);
  } catch (error) {
    throw new GenerateError(`cannot read ${shown}: ${error.message}`);
  }
  const commands = json?.commands;
  if (typeof commands !== 'object' || commands === null || Array.isArray(commands)) {
    throw new GenerateError(`${shown} has no "commands" object`);
  }
  if (Object.hasOwn(commands, name)) {
    throw new GenerateError(`${shown} already has a command "${name}"; nothing was written`);
  }

  const entry = { executable, ...(args.length > 0 ? { args } : {}), ...overrides };
  const expected = { ...json, commands: { ...commands, [name]: entry } };
  const inserted = insertEntry(source, name, entry);
  // Reformat only a file that was formatted, so that the new entry is the whole diff.
  const text =
    inserted !== undefined && (await isFormatted(file, source))
      ? await format(file, inserted)
      : inserted;
  let result;
  try {
    result = text === undefined ? undefined : JSON.parse(text);
  } catch {
    result = undefined;
  }
  if (!isDeepStrictEqual(result, expected)) {
    throw new GenerateError(
      `${shown} is not laid out as expected; add this entry to "commands" by hand:\n` +
        `  ${JSON.stringify(name)}: ${JSON.stringify(entry)}`,
    );
  }
  // Write beside it and rename: a crash mid-write must not leave the service a broken file.
  const temporary = `${file}.${process.pid}.tmp`;
  writeFileSync(temporary, text);
  renameSync(temporary, file);

  const argv = [path, ...args].map((a) => (/^[\w./=:,@%+-]+$/.test(a) ? a : JSON.stringify(a)));
  process.stdout.write(
    [
      `Added "${name}" to ${shown}: runs ${argv.join(' ')} (argv only, no shell` +
        `${interpreter ? '; WARNING: an interpreter, its program is the request body' : ''}).`,
      'Workers read the file as they start: npm run reload (a rolling restart), then',
      `  curl -sS -X POST http://localhost:3000/commands/${name} --data-binary @README.md`,
      '',
    ].join('\n'),
  );
}

runMain(main);
