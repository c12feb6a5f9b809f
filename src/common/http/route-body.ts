import { RouteConfig } from '@nestjs/platform-fastify';

/**
 * How a route takes its body:
 * - `json`: parsed by the app's JSON content-type parser (`application/json` only), the
 *   route gets it as `@Body()`;
 * - `buffer`: read whole by the catch-all parser, the route gets a `Buffer` as `@Body()`;
 * - `stream`: checked (type, declared size) but left unread, so the route streams it
 *   (`request.raw`) when it is ready: after its own checks, into a command's stdin.
 * A route without `@RouteBody` takes no body: one sent is drained within the app's default
 * limit, or its connection closed.
 */
export type BodyKind = 'json' | 'buffer' | 'stream';

export interface RouteBodyOptions {
  kind: BodyKind;
  /**
   * The route's `bodyLimit`: bytes, or the path of a number in the configuration
   * (`'image.maxInputBytes'`), read when the route is registered. A body declared larger
   * is refused with 413 before a byte is read; one that grows larger, as the bytes arrive.
   */
  limit: number | string;
  /**
   * Media types a `buffer` or `stream` route accepts (`image/*` matches any image type);
   * default: any. Others are refused with 415 naming `acceptName`.
   */
  accept?: readonly string[];
  /** How a 415 names what is accepted, e.g. `image/* or multipart/form-data`. */
  acceptName?: string;
}

/** The route config key Fastify carries `RouteBodyOptions` in (`request.routeOptions.config`). */
export const ROUTE_BODY = 'body';

/** Declares how the route takes its body (see {@link BodyKind}) and its limit. */
export const RouteBody = (options: RouteBodyOptions): MethodDecorator =>
  RouteConfig({ [ROUTE_BODY]: options });
