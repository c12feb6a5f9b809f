import { connect, type Socket } from 'node:net';

/** Sends `head` (request line and headers) and then whatever `trickle` writes; collects the answer. */
export function slowClient(port: number, head: string, trickle?: (socket: Socket) => void) {
  const socket = connect(port, '127.0.0.1');
  const started = performance.now();
  let answer = '';
  socket.on('data', (chunk: Buffer) => (answer += chunk.toString()));
  socket.on('error', () => undefined);
  socket.write(head);
  trickle?.(socket);
  const closed = new Promise<{ answer: string; ms: number }>((resolve) =>
    socket.once('close', () => resolve({ answer, ms: performance.now() - started })),
  );
  return { socket, closed };
}
