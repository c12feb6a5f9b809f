/*
 * Client input quoted in an error message, within bounds: a message must not grow with what
 * the client sent (a body with 60,000 unknown keys was answered with 469 KB, a 5,000-character
 * command name echoed whole; issue 10). Whatever the input, a message that echoes it through
 * these stays well under 1 KiB of UTF-8.
 */

/** Characters (UTF-16 code units) of one value kept in a message. */
export const ECHO_MAX_CHARS = 40;
/** Values of a list named in a message; the rest are counted. */
export const ECHO_MAX_ITEMS = 5;

/** `value`, cut to {@link ECHO_MAX_CHARS} (never between the halves of a surrogate pair), "…" when cut. */
export function echo(value: string): string {
  if (value.length <= ECHO_MAX_CHARS) return value;
  let end = ECHO_MAX_CHARS;
  const last = value.charCodeAt(end - 1);
  if (last >= 0xd800 && last <= 0xdbff) end--;
  return `${value.slice(0, end)}…`;
}

/** The first {@link ECHO_MAX_ITEMS} values, each echoed, joined by ", ", then "and N more". */
export function echoList(values: readonly string[]): string {
  const named = values.slice(0, ECHO_MAX_ITEMS).map(echo).join(', ');
  const rest = values.length - ECHO_MAX_ITEMS;
  return rest > 0 ? `${named} and ${rest} more` : named;
}
