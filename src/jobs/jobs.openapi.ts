import type { SchemaObject } from '@nestjs/swagger';

const TIME = { type: 'string', format: 'date-time' } as const;

/** `GET /jobs/{id}`'s body (see JobView). */
export const JOB_VIEW_SCHEMA: SchemaObject = {
  type: 'object',
  required: ['id', 'type', 'status', 'attempts', 'createdAt'],
  properties: {
    id: { type: 'string', format: 'uuid' },
    type: { type: 'string', example: 'pdf-report' },
    status: { type: 'string', enum: ['queued', 'active', 'completed', 'failed', 'cancelled'] },
    progress: { type: 'number', minimum: 0, maximum: 100 },
    attempts: { type: 'integer', minimum: 0, description: 'Runs started, up to JOBS_ATTEMPTS.' },
    createdAt: TIME,
    startedAt: TIME,
    finishedAt: TIME,
    error: { type: 'string', description: 'Why it failed, or that it was cancelled.' },
  },
};

/** `POST /jobs/<type>`'s 202 body (see JobAccepted). */
export const JOB_ACCEPTED_SCHEMA: SchemaObject = {
  type: 'object',
  required: ['id', 'type', 'status', 'statusUrl', 'resultUrl'],
  properties: {
    id: { type: 'string', format: 'uuid' },
    type: { type: 'string', example: 'pdf-report' },
    status: { type: 'string', enum: ['queued'] },
    statusUrl: { type: 'string', example: '/jobs/0b6f…' },
    resultUrl: { type: 'string', example: '/jobs/0b6f…/result' },
  },
};
