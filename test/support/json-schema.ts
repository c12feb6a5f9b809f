import type { SchemaObject } from '@nestjs/swagger';

/**
 * Whether `value` satisfies `schema`, for the keywords the API's own schemas use (type,
 * required, properties, additionalProperties: false, min/maxLength, pattern, min/maxItems,
 * items, oneOf), with JSON Schema's meanings: lengths count Unicode code points, a pattern
 * matches anywhere in the string. Returns the JSON path of the first violation, or undefined.
 * A test oracle for what the OpenAPI document promises, not a validator for the app.
 */
export function violation(value: unknown, schema: SchemaObject, path = '$'): string | undefined {
  if (schema.oneOf) {
    const matches = schema.oneOf.filter(
      (s) => violation(value, s as SchemaObject, path) === undefined,
    );
    return matches.length === 1 ? undefined : `${path}: ${matches.length} of oneOf`;
  }
  switch (schema.type) {
    case 'object': {
      if (typeof value !== 'object' || value === null || Array.isArray(value)) {
        return `${path}: not an object`;
      }
      const object = value as Record<string, unknown>;
      const properties = (schema.properties ?? {}) as Record<string, SchemaObject>;
      const missing = (schema.required ?? []).find((key) => !Object.hasOwn(object, key));
      if (missing !== undefined) return `${path}.${missing}: missing`;
      for (const key of Object.keys(object)) {
        if (Object.hasOwn(properties, key)) {
          const found = violation(object[key], properties[key], `${path}.${key}`);
          if (found) return found;
        } else if (schema.additionalProperties === false) {
          return `${path}.${key}: not allowed`;
        }
      }
      return undefined;
    }
    case 'array': {
      if (!Array.isArray(value)) return `${path}: not an array`;
      if (schema.minItems !== undefined && value.length < schema.minItems)
        return `${path}: too few`;
      if (schema.maxItems !== undefined && value.length > schema.maxItems)
        return `${path}: too many`;
      const items = schema.items as SchemaObject | undefined;
      if (!items) return undefined;
      for (let i = 0; i < value.length; i++) {
        const found = violation(value[i], items, `${path}[${i}]`);
        if (found) return found;
      }
      return undefined;
    }
    case 'string': {
      if (typeof value !== 'string') return `${path}: not a string`;
      const length = [...value].length;
      if (schema.minLength !== undefined && length < schema.minLength) return `${path}: too short`;
      if (schema.maxLength !== undefined && length > schema.maxLength) return `${path}: too long`;
      if (schema.pattern !== undefined && !new RegExp(schema.pattern, 'u').test(value)) {
        return `${path}: does not match ${schema.pattern}`;
      }
      return undefined;
    }
    case 'number':
      return typeof value === 'number' ? undefined : `${path}: not a number`;
    default:
      throw new Error(`${path}: schema type ${String(schema.type)} is not supported here`);
  }
}
