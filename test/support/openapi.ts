import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import type { OpenAPIObject, OperationObject } from '@nestjs/swagger';
import request from 'supertest';
import { OPENAPI_JSON_PATH } from '../../src/docs';

/** How the document refers to the error body every route shares. */
export const ERROR_BODY = { $ref: '#/components/schemas/ApiErrorBody' };
export const BINARY = { type: 'string', format: 'binary' };

/** The OpenAPI document the running app serves (API docs are on outside production). */
export async function openApiDocument(app: NestFastifyApplication): Promise<OpenAPIObject> {
  const res = await request(app.getHttpServer()).get(OPENAPI_JSON_PATH).expect(200);
  expect(res.type).toBe('application/json');
  return res.body as OpenAPIObject;
}

/** The operation `method` (lower case) of `path`; throws when the document lacks it. */
export function operation(document: OpenAPIObject, method: string, path: string): OperationObject {
  const found = (document.paths[path] as Record<string, OperationObject> | undefined)?.[method];
  if (!found) throw new Error(`${method.toUpperCase()} ${path} is not in the document`);
  return found;
}
