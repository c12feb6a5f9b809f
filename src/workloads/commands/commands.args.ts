import { BadRequestException } from '@nestjs/common';
import { echo, echoList } from '../../common/http/messages';
import type { CommandDefinition, CommandParam } from './commands.types';

const PLACEHOLDER = /\{([^{}]*)\}/g;

function fail(message: string): never {
  throw new BadRequestException(message);
}

function check(name: string, param: CommandParam, value: string): string {
  if (value.includes('\0')) fail(`${name} must not contain NUL`);
  switch (param.type) {
    case 'integer':
      if (!/^-?\d{1,16}$/.test(value) || +value < param.min || +value > param.max) {
        fail(`${name} must be an integer from ${param.min} to ${param.max}`);
      }
      return String(+value);
    case 'enum':
      if (!param.values.includes(value)) fail(`${name} must be one of ${echoList(param.values)}`);
      return value;
    case 'string':
      if (
        value.length > param.maxLength ||
        !new RegExp(`^(?:${param.pattern})$`, 'u').test(value)
      ) {
        fail(`${name} must match ${echo(param.pattern)} (at most ${param.maxLength} characters)`);
      }
      return value;
  }
}

/**
 * Builds a command's argv from its template and the request's query. Each value fills its
 * placeholder inside one argv element, so it can never become a second argument; and it
 * may not start an element with "-", so it can never become an option either.
 */
export function buildArgs(command: CommandDefinition, query: Record<string, unknown>): string[] {
  const known = Object.keys(command.params);
  const unknown = Object.keys(query).filter((key) => !known.includes(key));
  if (unknown.length > 0) {
    fail(
      `Unknown parameter ${echoList(unknown)} for command ${command.name}` +
        (known.length > 0 ? `; expected ${echoList(known)}` : '; it takes none'),
    );
  }
  // Own keys only, here and below: a plain object would answer `constructor` with Object's.
  const values = new Map<string, string>();
  for (const [name, param] of Object.entries(command.params)) {
    const raw = Object.hasOwn(query, name) ? query[name] : undefined;
    if (raw !== undefined && typeof raw !== 'string') fail(`${name} must be given once`);
    const value = raw ?? (param.default === undefined ? undefined : String(param.default));
    if (value === undefined) fail(`${name} is required`);
    values.set(name, check(name, param, value));
  }
  return command.args.map((template) => {
    const arg = template.replace(PLACEHOLDER, (_, name: string) => {
      const value = values.get(name);
      // loadCommands refuses a placeholder that is not a parameter; a definition built by hand may not.
      if (value === undefined) throw new Error(`${command.name} has no parameter {${name}}`);
      return value;
    });
    if (arg.startsWith('-') && !template.startsWith('-')) {
      fail(`A parameter of ${command.name} may not start an argument with "-"`);
    }
    return arg;
  });
}
