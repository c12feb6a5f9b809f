/**
 * The spawn host: a small helper process that starts commands for the service, so that
 * fork() copies this process's few megabytes, not the service's heap, and blocks this
 * event loop, not the service's. It hands each child's stdio pipes to the service over IPC
 * (the service reads and writes them directly) and reports exits.
 *
 * Protocol (advanced serialization):
 *   service → host  { type: 'spawn', id, file, args, cwd, env }
 *   host → service  { type: 'stdin' | 'stdout' | 'stderr', id, pid } + the pipe as handle
 *                   { type: 'error', id, code, message }   the process could not start
 *                   { type: 'exit', id, code, signal }
 *   service → host  { type: 'ping', id }   the service's watchdog, every second
 *   host → service  { type: 'pong', id }
 */
import { spawn } from 'node:child_process';
import type { Socket } from 'node:net';
import type { HostMessage, ServiceMessage } from './spawn-host.protocol';

function send(message: HostMessage, handle?: Socket): void {
  if (!process.connected) return leave();
  // A send that races the service's death fails (EPIPE): that is a goodbye, not a crash.
  process.send!(message, handle, undefined, (error: Error | null) => {
    if (error) leave();
  });
}

/** Process groups started here that have not exited yet. */
const running = new Set<number>();
/** The service, as it named itself: it may be gone (and this process re-parented) already. */
const parent = Number(process.argv[2]) || process.ppid;

process.on('message', (message: ServiceMessage) => {
  if (message.type === 'ping') return send({ type: 'pong', id: message.id });
  if (message.type !== 'spawn') return;
  // A request the service sent just before it died: nobody would watch the process.
  if (!process.connected || process.ppid !== parent) return leave();
  const { id, file, args, cwd, env } = message;
  const child = spawn(file, args, {
    cwd,
    env,
    shell: false,
    detached: true, // its own process group, so the service can kill the whole group
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  const pid = child.pid;
  if (pid === undefined) {
    child.once('error', (error: NodeJS.ErrnoException) =>
      send({ type: 'error', id, code: error.code, message: error.message }),
    );
    return;
  }
  running.add(pid);
  const pipes = [...child.stdio] as Socket[];
  // These pipes are the service's: not a byte may be read here, nor a pipe closed. A new
  // socket starts reading at once (net.Socket calls read(0)): stop it before libuv polls.
  // Node drains a child's unread stdio when it exits: hide the pipes from that…
  for (const pipe of [pipes[1], pipes[2]]) {
    (pipe as unknown as { _handle?: { readStop(): void } })._handle?.readStop();
  }
  child.stdio.fill(null);
  // …and Node destroys a child's stdin when it exits, sent or not.
  (child as { stdin: unknown }).stdin = null;
  // Sent handles are closed here once delivered: the service holds the only copies.
  send({ type: 'stdin', id, pid }, pipes[0]);
  send({ type: 'stdout', id, pid }, pipes[1]);
  send({ type: 'stderr', id, pid }, pipes[2]);
  child.once('exit', (code, signal) => {
    running.delete(pid);
    send({ type: 'exit', id, code, signal });
  });
});

/**
 * The service went away (it exited, or was killed without a chance to stop its commands):
 * its commands must not outlive it. Kill each group, grandchildren included, then exit.
 */
function leave(): void {
  for (const pid of running) {
    try {
      process.kill(-pid, 'SIGKILL');
    } catch {
      // the group is already gone
    }
  }
  process.exit(0);
}

process.on('disconnect', leave);
// And if the channel's end never reports (seen once under load: the service was gone and no
// 'disconnect' came), the parent's death still shows: this process is re-parented. The
// service names itself (`parent`), as it may die before this runs.
if (!process.connected || process.ppid !== parent) leave();
setInterval(() => {
  if (process.ppid !== parent) leave();
}, 250).unref();
// An IPC error without a callback to take it (the channel broke): the same goodbye.
process.on('error', leave);
