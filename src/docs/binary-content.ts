import type { ContentObject, SchemaObject } from '@nestjs/swagger';

/** Raw bytes: a body that is streamed or returned as is, not JSON. */
export const BINARY_SCHEMA: SchemaObject = { type: 'string', format: 'binary' };

/** The same binary schema under each media type, for a request body or a response. */
export function binaryContent(...mediaTypes: string[]): ContentObject {
  return Object.fromEntries(mediaTypes.map((type) => [type, { schema: BINARY_SCHEMA }]));
}
