import { BadRequestException } from '@nestjs/common';
import { echoList } from './messages';

type Query = Record<string, unknown>;

/** Refuses query parameters the route does not know, naming them. */
export function rejectUnknownParams(query: Query, known: readonly string[]): void {
  const unknown = Object.keys(query).filter((key) => !known.includes(key));
  if (unknown.length > 0) {
    throw new BadRequestException(
      `Unknown query parameter ${echoList(unknown)}; expected ${known.join(', ')}`,
    );
  }
}

function single(query: Query, name: string): string | undefined {
  // Own keys only: a plain object would answer `constructor` with Object's.
  const value = Object.hasOwn(query, name) ? query[name] : undefined;
  if (value === undefined) return undefined;
  if (typeof value !== 'string') throw new BadRequestException(`${name} must be given once`);
  return value;
}

export function optionalIntParam(
  query: Query,
  name: string,
  min: number,
  max: number,
): number | undefined {
  const value = single(query, name);
  if (value === undefined) return undefined;
  if (!/^\d+$/.test(value) || Number(value) < min || Number(value) > max) {
    throw new BadRequestException(`${name} must be an integer from ${min} to ${max}`);
  }
  return Number(value);
}

export function optionalEnumParam<T extends string>(
  query: Query,
  name: string,
  values: readonly T[],
): T | undefined {
  const value = single(query, name);
  if (value === undefined) return undefined;
  if (!(values as readonly string[]).includes(value)) {
    throw new BadRequestException(`${name} must be one of ${values.join(', ')}`);
  }
  return value as T;
}
