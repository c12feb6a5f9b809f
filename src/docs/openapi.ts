import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { INestApplication } from '@nestjs/common';
import { ModulesContainer } from '@nestjs/core';
import { DocumentBuilder, type OpenAPIObject, SwaggerModule } from '@nestjs/swagger';
import { type DocsConfig, readDocsConfig } from '../config';
import { describesOpenApi } from './openapi-describer';

/** Swagger UI. */
export const DOCS_PATH = '/docs';
/** The OpenAPI 3 document, as JSON and as YAML: under the UI's path, so one rule covers all. */
export const OPENAPI_JSON_PATH = '/docs/openapi.json';
export const OPENAPI_YAML_PATH = '/docs/openapi.yaml';

/**
 * Serves the OpenAPI document of every route, and Swagger UI, when the docs are on
 * (`API_DOCS_ENABLED`; on by default outside production). Call it before `listen()`:
 * Fastify takes no new route once the server is ready. The document
 * is built on the first request, once the app has started, so controllers can describe
 * what they load at boot (see `DescribesOpenApi`).
 *
 * @returns whether the docs are served
 */
export function setupOpenApi(
  app: INestApplication,
  config: DocsConfig = readDocsConfig(),
): boolean {
  if (!config.enabled) return false;
  const about = packageInfo();
  SwaggerModule.setup(DOCS_PATH, app, () => buildDocument(app, about), {
    jsonDocumentUrl: OPENAPI_JSON_PATH,
    yamlDocumentUrl: OPENAPI_YAML_PATH,
    customSiteTitle: `${about.name} API`,
  });
  return true;
}

function buildDocument(app: INestApplication, about: PackageInfo): OpenAPIObject {
  const { name, version, description } = about;
  const info = new DocumentBuilder()
    .setTitle(name)
    .setVersion(version)
    .setDescription(
      `${description}.\n\nErrors are JSON (\`ApiErrorBody\`): \`{ statusCode, error, message }\`. ` +
        'Health probes for the whole cluster and Prometheus metrics are served on the probe ' +
        'port (`HEALTH_PORT`), not here.',
    )
    .build();
  const document = SwaggerModule.createDocument(app, info);
  for (const module of app.get(ModulesContainer).values()) {
    for (const { instance } of module.controllers.values()) {
      if (describesOpenApi(instance)) instance.describeOpenApi(document);
    }
  }
  return document;
}

interface PackageInfo {
  name: string;
  version: string;
  description: string;
}

/** package.json sits two levels up from both src/docs and dist/docs. */
function packageInfo(): PackageInfo {
  return JSON.parse(
    readFileSync(join(__dirname, '..', '..', 'package.json'), 'utf8'),
  ) as PackageInfo;
}
