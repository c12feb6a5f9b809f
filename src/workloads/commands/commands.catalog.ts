import { readFileSync } from 'node:fs';
// Not '../../config': its index loads @nestjs/config, and the primary runs this file.
import { ConfigurationError } from '../../config/env';
import type { CommandDefinition, CommandParam } from './commands.types';

/** The commands file is invalid; the message names the variable, the file and the entry. */
export class InvalidCommandsConfigError extends ConfigurationError {
  override readonly name = 'InvalidCommandsConfigError';

  constructor(file: string, path: string, problem: string) {
    super('COMMANDS_CONFIG', `Invalid commands file ${file} (COMMANDS_CONFIG): ${path} ${problem}`);
  }
}

const NAME = /^[a-z0-9][a-z0-9_-]{0,63}$/;
const PARAM = /^[a-zA-Z][a-zA-Z0-9_]{0,31}$/;
const PLACEHOLDER = /\{([^{}]*)\}/g;
const ENTRY_KEYS = ['executable', 'args', 'params', 'timeoutMs', 'maxOutputBytes'];

type Json = Record<string, unknown>;

function isObject(value: unknown): value is Json {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function isInt(value: unknown, min: number, max: number): value is number {
  return Number.isSafeInteger(value) && (value as number) >= min && (value as number) <= max;
}

/** Parses and checks the commands file; every refusal names the file and the entry. */
export function loadCommands(file: string): Map<string, CommandDefinition> {
  let json: unknown;
  try {
    json = JSON.parse(readFileSync(file, 'utf8'));
  } catch (error) {
    throw new InvalidCommandsConfigError(
      file,
      '(file)',
      `cannot be read: ${(error as Error).message}`,
    );
  }
  const fail = (path: string, problem: string): never => {
    throw new InvalidCommandsConfigError(file, path, problem);
  };
  if (!isObject(json) || !isObject(json.commands)) fail('commands', 'must be an object');
  const commands = new Map<string, CommandDefinition>();
  for (const [name, entry] of Object.entries((json as Json).commands as Json)) {
    const at = `commands.${name}`;
    if (!NAME.test(name)) fail(at, 'is not a valid name (lower case letters, digits, - and _)');
    commands.set(name, parseEntry(name, entry, at, fail));
  }
  return commands;
}

function parseEntry(
  name: string,
  entry: unknown,
  at: string,
  fail: (path: string, problem: string) => never,
): CommandDefinition {
  if (!isObject(entry)) fail(at, 'must be an object');
  const e = entry;
  const unknown = Object.keys(e).filter((key) => !ENTRY_KEYS.includes(key));
  if (unknown.length > 0) fail(at, `has unknown field ${unknown.join(', ')}`);
  if (typeof e.executable !== 'string' || e.executable === '' || e.executable.includes('\0')) {
    fail(`${at}.executable`, 'must be a non-empty string');
  }
  const args = e.args ?? [];
  if (!Array.isArray(args) || !args.every((a) => typeof a === 'string' && !a.includes('\0'))) {
    fail(`${at}.args`, 'must be an array of strings');
  }
  const params: Record<string, CommandParam> = {};
  for (const [param, spec] of Object.entries(isObject(e.params) ? e.params : {})) {
    if (!PARAM.test(param)) fail(`${at}.params.${param}`, 'is not a valid parameter name');
    params[param] = parseParam(spec, `${at}.params.${param}`, fail);
  }
  if (e.params !== undefined && !isObject(e.params)) fail(`${at}.params`, 'must be an object');
  for (const arg of args as string[]) {
    for (const [, used] of arg.matchAll(PLACEHOLDER)) {
      // Own keys only: `{constructor}` or `{__proto__}` must not find Object.prototype's.
      if (!Object.hasOwn(params, used))
        fail(`${at}.args`, `uses {${used}}, which is not in params`);
    }
  }
  for (const key of ['timeoutMs', 'maxOutputBytes'] as const) {
    if (e[key] !== undefined && !isInt(e[key], 1, Number.MAX_SAFE_INTEGER)) {
      fail(`${at}.${key}`, 'must be a positive integer');
    }
  }
  return {
    name,
    executable: e.executable,
    args: args as string[],
    params,
    timeoutMs: e.timeoutMs as number | undefined,
    maxOutputBytes: e.maxOutputBytes as number | undefined,
  };
}

function parseParam(
  spec: unknown,
  at: string,
  fail: (path: string, problem: string) => never,
): CommandParam {
  if (!isObject(spec)) fail(at, 'must be an object');
  const s = spec;
  switch (s.type) {
    case 'integer': {
      const min = s.min ?? Number.MIN_SAFE_INTEGER;
      const max = s.max ?? Number.MAX_SAFE_INTEGER;
      if (!isInt(min, -Infinity, Infinity) || !isInt(max, min, Infinity)) {
        fail(at, 'needs integer min <= max');
      }
      if (s.default !== undefined && !isInt(s.default, min, max)) {
        fail(`${at}.default`, `must be an integer from ${String(min)} to ${String(max)}`);
      }
      return {
        type: 'integer',
        min: min,
        max: max,
        default: s.default as number,
      };
    }
    case 'enum': {
      const values = s.values;
      if (
        !Array.isArray(values) ||
        values.length === 0 ||
        !values.every((v) => typeof v === 'string')
      ) {
        fail(`${at}.values`, 'must be a non-empty array of strings');
      }
      if (s.default !== undefined && !values.includes(s.default as string)) {
        fail(`${at}.default`, 'must be one of values');
      }
      return { type: 'enum', values: values, default: s.default as string | undefined };
    }
    case 'string': {
      if (typeof s.pattern !== 'string') fail(`${at}.pattern`, 'must be a regular expression');
      try {
        new RegExp(s.pattern, 'u');
      } catch {
        fail(`${at}.pattern`, 'is not a valid regular expression');
      }
      const maxLength = s.maxLength ?? 256;
      if (!isInt(maxLength, 1, 4096)) fail(`${at}.maxLength`, 'must be an integer from 1 to 4096');
      const param: CommandParam = {
        type: 'string',
        pattern: s.pattern,
        maxLength: maxLength,
        default: s.default as string | undefined,
      };
      if (s.default !== undefined && typeof s.default !== 'string')
        fail(`${at}.default`, 'must be a string');
      return param;
    }
    default:
      return fail(`${at}.type`, 'must be "integer", "enum" or "string"');
  }
}
