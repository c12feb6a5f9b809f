import { Injectable } from '@nestjs/common';

/** How long one route may take to answer. */
export interface RouteDeadline {
  method: string;
  /** The route's pattern, e.g. `/commands/:name`: what logs and metrics call it. */
  route: string;
  /** True when `path` (no query string) is served by this route. */
  matches: (path: string) => boolean;
  /** The deadline of a request to `path`, in ms: the work's own deadline, queue wait included. */
  ms: (path: string) => number;
}

/** What a request is allowed, found by method and path. */
export interface RequestDeadline {
  route: string;
  ms: number;
}

/**
 * The deadline of every route. A workload registers its own (the pool's task timeout, a
 * command's `timeoutMs`); any other route gets `defaultMs`. `DeadlineGuard` answers a
 * request that outlives its deadline plus a grace.
 */
@Injectable()
export class RouteDeadlines {
  private readonly rules: RouteDeadline[] = [];
  /** Routes nobody registered (health, docs, a user's own controllers). */
  defaultMs = 30_000;

  register(rule: RouteDeadline): void {
    this.rules.push(rule);
  }

  of(method: string, path: string): RequestDeadline {
    const rule = this.rules.find((r) => r.method === method && r.matches(path));
    return rule ? { route: rule.route, ms: rule.ms(path) } : { route: 'other', ms: this.defaultMs };
  }
}

/** True when `path` is `route`, as the router sees it (any case, one trailing slash). */
export function isPath(route: string, path: string): boolean {
  const lower = path.toLowerCase();
  return lower === route || lower === `${route}/`;
}

/** A matcher for `/prefix/:param` routes: the segment after `prefix`, decoded, or undefined. */
export function paramAfter(prefix: string, path: string): string | undefined {
  if (!path.toLowerCase().startsWith(`${prefix.toLowerCase()}/`)) return undefined;
  const rest = path.slice(prefix.length + 1);
  if (rest === '' || rest.includes('/')) return undefined;
  try {
    return decodeURIComponent(rest);
  } catch {
    return undefined;
  }
}

/** `POST route` whose work is one pool task: the task's deadline, queue wait included. */
export function poolTaskRoute(route: string, taskTimeoutMs: number): RouteDeadline {
  return { method: 'POST', route, matches: (path) => isPath(route, path), ms: () => taskTimeoutMs };
}
