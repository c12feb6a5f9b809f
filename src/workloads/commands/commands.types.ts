/** A query parameter a command accepts, as declared in the commands file. */
export type CommandParam =
  | { type: 'integer'; min: number; max: number; default?: number }
  | { type: 'enum'; values: string[]; default?: string }
  | { type: 'string'; pattern: string; maxLength: number; default?: string };

/** One entry of the commands file, validated. */
export interface CommandDefinition {
  name: string;
  executable: string;
  /** argv after the executable; `{param}` placeholders are filled from the query. */
  args: string[];
  params: Record<string, CommandParam>;
  timeoutMs?: number;
  maxOutputBytes?: number;
}
