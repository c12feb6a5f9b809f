/** The longest error message the API sends or logs: input echoed in one stays bounded. */
export const MAX_MESSAGE_LENGTH = 300;

/** `message`, cut to {@link MAX_MESSAGE_LENGTH} characters with an ellipsis. */
export function capMessage(message: string, max = MAX_MESSAGE_LENGTH): string {
  return message.length <= max ? message : `${message.slice(0, max - 1)}…`;
}

/*
 * Client input quoted in a message, within bounds from the start: a message must not grow
 * with what the client sent (a body with 60,000 unknown keys was once answered with 469 KB,
 * a 5,000-character command name echoed whole). A list quoted through these names a
 * few values and counts the rest, so it still reads whole where capMessage would cut it.
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
