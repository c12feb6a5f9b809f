/** Messages between the service and the spawn host (see spawn-host.ts). */
export interface SpawnMessage {
  type: 'spawn';
  id: number;
  file: string;
  args: string[];
  cwd?: string;
  env: Record<string, string>;
}

export type ServiceMessage = SpawnMessage;

export type HostMessage =
  | { type: 'stdin' | 'stdout' | 'stderr'; id: number; pid: number }
  | { type: 'error'; id: number; code?: string; message: string }
  | { type: 'exit'; id: number; code: number | null; signal: NodeJS.Signals | null };
