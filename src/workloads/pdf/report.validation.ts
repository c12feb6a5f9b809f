import { BadRequestException } from '@nestjs/common';
import { echoList } from '../../common/http/messages';
import type { ReportInput, ReportSection, ReportTable } from './report.types';

/** Size limits of a report request; together with the body limit they bound the work. */
export const REPORT_LIMITS = {
  title: 200,
  subtitle: 500,
  sections: 500,
  heading: 200,
  body: 50_000,
  columns: 20,
  columnName: 100,
  rows: 20_000,
  cell: 1_000,
} as const;

const TOP_LEVEL = ['title', 'subtitle', 'sections', 'table'];

function fail(message: string): never {
  throw new BadRequestException(message);
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * Whether `value` has more than `max` characters, counted as JSON Schema's maxLength counts
 * them (code points: an emoji is one, not two UTF-16 units), without copying a long string.
 */
function longerThan(value: string, max: number): boolean {
  if (value.length <= max) return false;
  let characters = 0;
  for (let i = 0; i < value.length; i++) {
    const unit = value.charCodeAt(i);
    // A high surrogate followed by a low one is one character.
    if (unit >= 0xd800 && unit <= 0xdbff && (value.charCodeAt(i + 1) & 0xfc00) === 0xdc00) i++;
    if (++characters > max) return true;
  }
  return false;
}

function text(value: unknown, path: string, max: number, required = true): string | undefined {
  if (value === undefined && !required) return undefined;
  if (typeof value !== 'string') fail(`${path} must be a string`);
  if (required && value.trim() === '') fail(`${path} must not be empty`);
  if (longerThan(value, max)) fail(`${path} must be at most ${max} characters`);
  return value;
}

function list(value: unknown, path: string, max: number): unknown[] {
  if (!Array.isArray(value)) fail(`${path} must be an array`);
  if (value.length > max) fail(`${path} must have at most ${max} items`);
  return value;
}

function section(value: unknown, path: string): ReportSection {
  if (!isObject(value)) fail(`${path} must be an object with heading and body`);
  return {
    heading: text(value.heading, `${path}.heading`, REPORT_LIMITS.heading)!,
    body: text(value.body, `${path}.body`, REPORT_LIMITS.body, false) ?? '',
  };
}

function table(value: unknown): ReportTable {
  if (!isObject(value)) fail('table must be an object with columns and rows');
  const columns = list(value.columns, 'table.columns', REPORT_LIMITS.columns).map((c, i) =>
    text(c, `table.columns[${i}]`, REPORT_LIMITS.columnName)!,
  );
  if (columns.length === 0) fail('table.columns must not be empty');
  const rows = (
    value.rows === undefined ? [] : list(value.rows, 'table.rows', REPORT_LIMITS.rows)
  ).map((row, r) => {
    const cells = list(row, `table.rows[${r}]`, columns.length);
    if (cells.length !== columns.length) fail(`table.rows[${r}] must have ${columns.length} cells`);
    return cells.map((cell, c) => {
      const path = `table.rows[${r}][${c}]`;
      if (typeof cell === 'number')
        return Number.isFinite(cell) ? cell : fail(`${path} must be finite`);
      if (typeof cell !== 'string') fail(`${path} must be a string or a number`);
      if (longerThan(cell, REPORT_LIMITS.cell))
        fail(`${path} must be at most ${REPORT_LIMITS.cell} characters`);
      return cell;
    });
  });
  return { columns, rows };
}

/** Checks a `POST /pdf/report` body; every refusal names the offending field. */
export function parseReport(body: unknown): ReportInput {
  if (!isObject(body)) fail('The body must be a JSON object');
  const unknown = Object.keys(body).filter((key) => !TOP_LEVEL.includes(key));
  if (unknown.length > 0)
    fail(`Unknown field ${echoList(unknown)}; expected ${TOP_LEVEL.join(', ')}`);
  return {
    title: text(body.title, 'title', REPORT_LIMITS.title)!,
    subtitle: text(body.subtitle, 'subtitle', REPORT_LIMITS.subtitle, false),
    sections:
      body.sections === undefined
        ? undefined
        : list(body.sections, 'sections', REPORT_LIMITS.sections).map((s, i) =>
            section(s, `sections[${i}]`),
          ),
    table: body.table === undefined ? undefined : table(body.table),
  };
}
