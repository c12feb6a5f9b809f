import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import type { OpenAPIObject, ReferenceObject, ResponseObject } from '@nestjs/swagger';
import request from 'supertest';
import { DOCS_PATH, OPENAPI_JSON_PATH } from '../src/docs';
import { registeredRoutes, startApp } from './support/app';
import { openApiDocument, operation } from './support/openapi';
import { freePort, ServiceProcess } from './support/service-process';
import { workloadKits } from './support/workloads';

/*
 * What every route's documentation must hold. What each workload's route documents (its
 * body, its parameters, its answers) is checked by that workload's own specs.
 */

/**
 * Every `METHOD /path` of a controller the running app serves, in OpenAPI's spelling
 * (`/commands/{name}`), from the routes Fastify registered (recorded by startApp), so a new
 * route is found without listing it here. The docs' own routes (under /docs) and the HEAD
 * routes Fastify adds beside each GET are not the controllers'.
 */
function servedRoutes(app: NestFastifyApplication): string[] {
  const routes = new Set<string>();
  for (const { method, url } of registeredRoutes(app)) {
    if (method === 'HEAD' || url === DOCS_PATH || url.startsWith(`${DOCS_PATH}/`)) continue;
    routes.add(`${method} ${url.replace(/:(\w+)/g, '{$1}')}`);
  }
  return [...routes].sort();
}

function documentedRoutes(document: OpenAPIObject): string[] {
  return Object.entries(document.paths)
    .flatMap(([path, item]) => Object.keys(item).map((method) => `${method.toUpperCase()} ${path}`))
    .sort();
}

/** The routes of the workloads present, as their kits name them. */
const WORKLOAD_ROUTES = workloadKits().flatMap((kit) => kit.routes);
const ERROR_BODY_FIELDS = ['statusCode', 'error', 'message'];

describe('API docs', () => {
  let app: NestFastifyApplication;
  let document: OpenAPIObject;

  beforeAll(async () => {
    app = await startApp();
    document = await openApiDocument(app);
  });
  afterAll(() => app.close());

  it('lists every route the app serves, with its method, and no other', () => {
    const served = servedRoutes(app);
    expect(served).toEqual(
      expect.arrayContaining(['GET /health/live', 'GET /health/ready', ...WORKLOAD_ROUTES]),
    );
    expect(documentedRoutes(document)).toEqual(served);
  });

  it('documents a success and the error answers of every route', () => {
    for (const route of servedRoutes(app)) {
      const [method, path] = route.split(' ');
      const statuses = Object.keys(operation(document, method.toLowerCase(), path).responses);
      expect({ route, success: statuses.some((s) => s.startsWith('2')) }).toEqual({
        route,
        success: true,
      });
      expect({ route, errors: statuses.some((s) => /^[45]/.test(s)) }).toEqual({
        route,
        errors: true,
      });
    }
  });

  it('describes the error body once, and every error answer of the workloads is one', () => {
    const schemas = document.components?.schemas ?? {};
    expect(schemas.ApiErrorBody).toMatchObject({
      type: 'object',
      required: ['statusCode', 'error', 'message'],
    });
    for (const route of WORKLOAD_ROUTES) {
      const [method, path] = route.split(' ');
      const responses = operation(document, method.toLowerCase(), path).responses;
      for (const [status, response] of Object.entries(responses)) {
        if (!/^[45]/.test(status)) continue;
        const { content, headers } = response as ResponseObject;
        const schema = content?.['application/json']?.schema as ReferenceObject | undefined;
        // The shared body, or one that extends it (a failed command adds its exit).
        const required = (schemas[schema?.$ref.split('/').pop() ?? ''] as { required?: string[] })
          ?.required;
        expect({ route, status, required }).toEqual({
          route,
          status,
          required: expect.arrayContaining(ERROR_BODY_FIELDS) as unknown,
        });
        if (status === '503') expect({ route, headers }).toHaveProperty(['headers', 'Retry-After']);
      }
    }
  });

  it('serves Swagger UI and the YAML document', async () => {
    const server = app.getHttpServer();
    const ui = await request(server).get(DOCS_PATH).expect(200);
    expect(ui.text).toContain('swagger-ui');
    await request(server).get('/docs/openapi.yaml').expect(200).expect('Content-Type', /yaml/);
  });
});

describe('API docs in the built service', () => {
  const services: ServiceProcess[] = [];
  afterEach(async () => {
    await Promise.all(services.splice(0).map((service) => service.stop()));
  });

  async function start(env: Record<string, string>): Promise<string> {
    const port = await freePort();
    const service = new ServiceProcess({ PORT: String(port), CLUSTER_ENABLED: 'false', ...env });
    services.push(service);
    const base = `http://127.0.0.1:${port}`;
    await service.waitForOk(`${base}/health/live`);
    return base;
  }

  it("serves Swagger UI's assets from the compiled app", async () => {
    const base = await start({ NODE_ENV: 'development' });
    const ui = await fetch(`${base}${DOCS_PATH}`);
    expect(ui.status).toBe(200);
    const bundle = await fetch(`${base}${DOCS_PATH}/swagger-ui-bundle.js`);
    expect(bundle.status).toBe(200);
    expect(bundle.headers.get('content-type')).toMatch(/javascript/);
    const init = await fetch(`${base}${DOCS_PATH}/swagger-ui-init.js`);
    expect(await init.text()).toContain('/health/live');
  });

  it('does not serve the docs in production, unless API_DOCS_ENABLED says so', async () => {
    const [off, forced] = await Promise.all([
      start({ NODE_ENV: 'production' }),
      start({ NODE_ENV: 'production', API_DOCS_ENABLED: 'true' }),
    ]);
    for (const path of [DOCS_PATH, OPENAPI_JSON_PATH, `${DOCS_PATH}/swagger-ui-bundle.js`]) {
      expect({ path, status: (await fetch(`${off}${path}`)).status }).toEqual({
        path,
        status: 404,
      });
    }
    expect((await fetch(`${forced}${OPENAPI_JSON_PATH}`)).status).toBe(200);
  });
});
