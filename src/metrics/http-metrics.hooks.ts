import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { Histogram } from 'prom-client';

type Labels = 'method' | 'route' | 'status_code';
type Child = ReturnType<Histogram<Labels>['labels']>;

/**
 * Times every request into `histogram`. The route label is the matched pattern
 * (`/commands/:name`), never the raw URL, and `unmatched` for a URL no route serves, so the
 * label set stays bounded. A request whose client went away before the response ended is
 * counted with status `aborted`. prom-client's child for a label set is looked up once and
 * kept, per route context, so a request costs a map lookup and an observation.
 */
export function installHttpMetrics(fastify: FastifyInstance, histogram: Histogram<Labels>): void {
  const children = new Map<string, Child>();
  const counted = Symbol('counted');

  const record = (request: FastifyRequest, status: string, seconds: number) => {
    const marked = request as FastifyRequest & { [counted]?: true };
    if (marked[counted]) return;
    marked[counted] = true;
    const route = request.is404 ? 'unmatched' : (request.routeOptions.url ?? 'unmatched');
    const method = request.method;
    const key = `${method} ${route} ${status}`;
    let child = children.get(key);
    if (!child) {
      child = histogram.labels({ method, route, status_code: status });
      children.set(key, child);
    }
    child.observe(seconds);
  };

  fastify.addHook('onResponse', (request, reply, done) => {
    record(request, String(reply.statusCode), reply.elapsedTime / 1000);
    done();
  });
  fastify.addHook('onRequestAbort', (request, done) => {
    record(request, 'aborted', 0);
    done();
  });
}
