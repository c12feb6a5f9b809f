/** Messages between the service and the spawn host (see spawn-host.ts). */
export interface SpawnMessage {
  type: 'spawn';
  id: number;
  file: string;
  args: string[];
  cwd?: string;
  env: Record<string, string>;
}

/** The service's heartbeat: the host answers each with a `pong` of the same id. */
export interface PingMessage {
  type: 'ping';
  id: number;
}

export type ServiceMessage = SpawnMessage | PingMessage;

export type HostMessage =
  | { type: 'stdin' | 'stdout' | 'stderr'; id: number; pid: number }
  | { type: 'error'; id: number; code?: string; message: string }
  | { type: 'exit'; id: number; code: number | null; signal: NodeJS.Signals | null }
  | { type: 'pong'; id: number };
