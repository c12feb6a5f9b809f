import type { SchemaObject } from '@nestjs/swagger';
import { REPORT_LIMITS } from './report.validation';

const text = (maxLength: number, example: string): SchemaObject => ({
  type: 'string',
  maxLength,
  example,
});

/** A required text: parseReport refuses one that is empty or only white space. */
const nonBlank = (maxLength: number, example: string): SchemaObject => ({
  ...text(maxLength, example),
  minLength: 1,
  pattern: '\\S',
});

/**
 * The `POST /pdf/report` body as OpenAPI describes it, built from the limits that
 * `parseReport()` enforces, so the docs cannot drift from the validation.
 */
export const REPORT_SCHEMA: SchemaObject = {
  type: 'object',
  required: ['title'],
  additionalProperties: false,
  properties: {
    title: nonBlank(REPORT_LIMITS.title, 'Quarterly report'),
    subtitle: text(REPORT_LIMITS.subtitle, 'Q3 2026'),
    sections: {
      type: 'array',
      maxItems: REPORT_LIMITS.sections,
      items: {
        type: 'object',
        required: ['heading'],
        properties: {
          heading: nonBlank(REPORT_LIMITS.heading, 'Summary'),
          body: text(REPORT_LIMITS.body, 'Orders grew in every region.'),
        },
      },
    },
    table: {
      type: 'object',
      required: ['columns'],
      properties: {
        columns: {
          type: 'array',
          minItems: 1,
          maxItems: REPORT_LIMITS.columns,
          items: nonBlank(REPORT_LIMITS.columnName, 'Region'),
          example: ['Region', 'Orders'],
        },
        rows: {
          type: 'array',
          maxItems: REPORT_LIMITS.rows,
          description: 'Each row has one cell per column.',
          items: {
            type: 'array',
            items: {
              oneOf: [{ type: 'string', maxLength: REPORT_LIMITS.cell }, { type: 'number' }],
            },
          },
          example: [
            ['North', 1200],
            ['South', 950],
          ],
        },
      },
    },
  },
};
