/** A place where a line may start (UAX #14). */
export interface Break {
  /** Code-unit index at which the next line would start. */
  position: number;
  /** A mandatory break (e.g. after U+2028 LINE SEPARATOR). */
  required: boolean;
}

interface LineBreakerClass {
  new (text: string): { nextBreak(): Break | null };
}

/**
 * The `linebreak` package: UAX #14 line breaking, the one pdfkit uses. It ships no types,
 * and a typed require keeps them here rather than in an ambient declaration that every
 * compilation would have to include.
 */
// eslint-disable-next-line @typescript-eslint/no-require-imports -- untyped CommonJS package
export const LineBreaker = require('linebreak') as LineBreakerClass;
