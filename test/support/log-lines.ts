/** One line of the service's output, as pino wrote it. */
export interface LogLine {
  level: 'trace' | 'debug' | 'info' | 'warn' | 'error' | 'fatal';
  time: string;
  pid: number;
  worker: string;
  msg: string;
  [field: string]: unknown;
}

/** Every line of `output` parsed as JSON; throws on a line that is not (naming it). */
export function logLines(output: string): LogLine[] {
  return output
    .split('\n')
    .filter((line) => line.trim() !== '')
    .map((line) => {
      try {
        return JSON.parse(line) as LogLine;
      } catch {
        throw new Error(`not a JSON log line: ${line}`);
      }
    });
}
