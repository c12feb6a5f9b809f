/**
 * OpenAPI: `setupOpenApi()` serves Swagger UI at /docs and the document beside it; `ApiErrors`
 * and the shared error body let every route document its answers.
 *
 * Runs in: the app worker.
 *
 * @packageDocumentation
 */
export { setupOpenApi, DOCS_PATH, OPENAPI_JSON_PATH, OPENAPI_YAML_PATH } from './openapi';
export { ApiErrors, type ErrorStatus } from './api-errors.decorator';
export { ApiErrorBody } from './api-error-body';
export { BINARY_SCHEMA, binaryContent } from './binary-content';
export { type DescribesOpenApi, findOperation, findParameter } from './openapi-describer';
