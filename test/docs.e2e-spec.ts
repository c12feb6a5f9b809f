import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import type { OpenAPIObject, OperationObject, ResponseObject } from '@nestjs/swagger';
import request from 'supertest';
import { DOCS_PATH, OPENAPI_JSON_PATH } from '../src/docs';
import { CommandsService } from '../src/workloads/commands/commands.service';
import { registeredRoutes, startApp } from './support/app';
import { freePort, ServiceProcess } from './support/service-process';

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

function operation(document: OpenAPIObject, method: string, path: string): OperationObject {
  const found = (document.paths[path] as Record<string, OperationObject> | undefined)?.[method];
  if (!found) throw new Error(`${method.toUpperCase()} ${path} is not in the document`);
  return found;
}

const ERROR_BODY = { $ref: '#/components/schemas/ApiErrorBody' };
const BINARY = { type: 'string', format: 'binary' };

describe('API docs', () => {
  let app: NestFastifyApplication;
  let document: OpenAPIObject;

  beforeAll(async () => {
    app = await startApp();
    const res = await request(app.getHttpServer()).get(OPENAPI_JSON_PATH).expect(200);
    expect(res.type).toBe('application/json');
    document = res.body as OpenAPIObject;
  });
  afterAll(() => app.close());

  it('lists every route the app serves, with its method, and no other', () => {
    const served = servedRoutes(app);
    expect(served).toEqual(
      expect.arrayContaining(['POST /images/resize', 'POST /commands/{name}', 'GET /health/live']),
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

  it('describes the error body once, and every error answer of the workloads references it', () => {
    expect(document.components?.schemas?.ApiErrorBody).toMatchObject({
      type: 'object',
      required: ['statusCode', 'error', 'message'],
    });
    const resize = operation(document, 'post', '/images/resize');
    for (const status of ['400', '413', '415', '500', '503', '504']) {
      expect(resize.responses[status]).toMatchObject({
        content: { 'application/json': { schema: ERROR_BODY } },
      });
    }
    expect((resize.responses['503'] as ResponseObject).headers).toHaveProperty('Retry-After');
  });

  it('describes the image route: binary in (raw or multipart), binary image out, its query', () => {
    const resize = operation(document, 'post', '/images/resize');
    expect(resize.requestBody).toMatchObject({
      required: true,
      content: {
        'image/*': { schema: BINARY },
        'multipart/form-data': { schema: { properties: { file: BINARY }, required: ['file'] } },
      },
    });
    expect(resize.responses['200']).toMatchObject({
      content: { 'image/png': { schema: BINARY }, 'image/webp': { schema: BINARY } },
      headers: { 'X-Image-Width': {}, 'X-Image-Height': {} },
    });
    expect(resize.parameters?.map((p) => ('name' in p ? p.name : p.$ref))).toEqual([
      'width',
      'height',
      'fit',
      'format',
      'quality',
    ]);
    // The limit is configuration, filled in by the running app.
    expect(resize.parameters?.[0]).toMatchObject({ schema: { minimum: 1, maximum: 8192 } });
  });

  it('describes the PDF route: a JSON report in, application/pdf out', () => {
    const report = operation(document, 'post', '/pdf/report');
    expect(report.requestBody).toMatchObject({
      content: { 'application/json': { schema: { required: ['title'] } } },
    });
    expect(report.responses['200']).toMatchObject({
      content: { 'application/pdf': { schema: BINARY } },
    });
    // A character no font can draw: documented with the fields that name it.
    expect(report.responses['422']).toMatchObject({
      description: expect.stringMatching(/`field`.*`codePoint`/) as unknown,
    });
  });

  it('lists the configured commands as the values of :name, with their parameters', () => {
    const run = operation(document, 'post', '/commands/{name}');
    expect(run.parameters?.find((p) => 'name' in p && p.name === 'name')).toMatchObject({
      in: 'path',
      schema: { enum: app.get(CommandsService).names() },
    });
    expect(run.description).toContain('`gzip`: `level`: integer 1 … 9, default `6`');
    expect(run.responses['200']).toMatchObject({
      content: { 'application/octet-stream': { schema: BINARY } },
    });
    expect(run.responses['422']).toMatchObject({
      content: {
        'application/json': { schema: { $ref: '#/components/schemas/CommandFailedBody' } },
      },
    });
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
    expect(await init.text()).toContain('/images/resize');
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
