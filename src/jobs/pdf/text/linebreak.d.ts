/** The `linebreak` package (UAX #14 line breaking, the one pdfkit uses) ships no types. */
declare module 'linebreak' {
  interface Break {
    /** Code-unit index at which a line may start. */
    position: number;
    /** A mandatory break (e.g. U+2028 LINE SEPARATOR). */
    required: boolean;
  }
  class LineBreaker {
    constructor(text: string);
    nextBreak(): Break | null;
  }
  export = LineBreaker;
}
