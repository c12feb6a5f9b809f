import type { OpenAPIObject, OperationObject, ParameterObject } from '@nestjs/swagger';

/**
 * A controller that adds to its own docs what only the running app knows (a list loaded from
 * a config file at boot, say). Like Nest's lifecycle hooks, it is found by its method:
 * `setupOpenApi()` calls `describeOpenApi()` on every controller that has one, once, when
 * the document is first built, after the app has started.
 */
export interface DescribesOpenApi {
  describeOpenApi(document: OpenAPIObject): void;
}

export function describesOpenApi(value: unknown): value is DescribesOpenApi {
  return typeof (value as Partial<DescribesOpenApi> | null)?.describeOpenApi === 'function';
}

/** The operation with this `operationId` (set with `@ApiOperation({ operationId })`). */
export function findOperation(
  document: OpenAPIObject,
  operationId: string,
): OperationObject | undefined {
  for (const item of Object.values(document.paths)) {
    for (const operation of Object.values(item) as unknown[]) {
      const candidate = operation as Partial<OperationObject> | null;
      if (candidate?.operationId === operationId) return candidate as OperationObject;
    }
  }
  return undefined;
}

/** The parameter `name` of `operation` (not a `$ref`), if it has one. */
export function findParameter(
  operation: OperationObject | undefined,
  name: string,
): ParameterObject | undefined {
  return operation?.parameters?.find(
    (parameter): parameter is ParameterObject => 'name' in parameter && parameter.name === name,
  );
}
