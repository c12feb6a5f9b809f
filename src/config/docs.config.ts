import { envBool } from './env';

type Env = Readonly<Record<string, string | undefined>>;

export interface DocsConfig {
  /**
   * Serve the OpenAPI document and Swagger UI at `/docs`. `API_DOCS_ENABLED`, default on
   * unless `NODE_ENV` is `production`; `true` serves them in production too.
   */
  enabled: boolean;
}

/**
 * The API docs switch. A plain function, not a `registerAs` namespace: the docs are mounted
 * by `configureApp()` on the Fastify instance, outside the module graph.
 */
export function readDocsConfig(env: Env = process.env): DocsConfig {
  return { enabled: envBool(env, 'API_DOCS_ENABLED', env.NODE_ENV !== 'production') };
}
