/** The longest error message the API sends or logs: input echoed in one stays bounded. */
export const MAX_MESSAGE_LENGTH = 300;

/** `message`, cut to {@link MAX_MESSAGE_LENGTH} characters with an ellipsis. */
export function capMessage(message: string, max = MAX_MESSAGE_LENGTH): string {
  return message.length <= max ? message : `${message.slice(0, max - 1)}…`;
}
