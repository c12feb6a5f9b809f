import { readFileSync } from 'node:fs';
import { setTimeout as delay } from 'node:timers/promises';
import type { OpenAPIObject, OperationObject } from '@nestjs/swagger';
import { descendantsOf } from '../processes';
import { freePort, ServiceProcess } from '../service-process';

/**
 * The configuration the HTTP fuzz runs the service with: one process and deadlines short
 * enough to wait for. Each workload's kit adds the limits of its routes, small enough that
 * the most a request may cost is cheap on a shared machine (WorkloadFuzz.env). Every
 * deadline and bound of the properties derives from these.
 */
export const FUZZ_LIMITS = {
  taskTimeoutMs: 5_000, // WORKER_TASK_TIMEOUT_MS: pool and in-process tasks, queue wait included
  commandTimeoutMs: 3_000, // CHILD_PROCESS_TIMEOUT_MS: commands without their own
  killGraceMs: 500, // CHILD_PROCESS_KILL_GRACE_MS
  readyHysteresisMs: 2_000,
};

/**
 * Deadline of the routes without one of their own (probes, docs): the readiness probe's
 * timeoutSeconds in deploy/kubernetes.
 */
export const PROBE_DEADLINE_MS = 2_000;

/** What an answer may take past its deadline: the guard's grace, not the machine's speed. */
export const GRACE_MS = 2_000;

/**
 * The service's resident memory must stay under this: the idle process (about 150 MiB)
 * plus what the shipped workloads' fuzz limits let a request hold (a 2 MiB upload, a 4 MP
 * image decoded and encoded, a 1 MiB JSON report on a pool thread, a 1 MiB command input), with room for
 * allocator caches; far under the 1 GiB a worker is given in deploy/kubernetes.
 */
export const RSS_BOUND_MB = 512;

export class FuzzedService {
  private constructor(
    readonly process: ServiceProcess,
    readonly port: number,
    private readonly document: OpenAPIObject,
  ) {}

  /** `node dist/main.js` in one process, with the fuzz configuration and the workloads' `env`. */
  static async start(env: Record<string, string>): Promise<FuzzedService> {
    const port = await freePort();
    const limits = FUZZ_LIMITS;
    const service = new ServiceProcess({
      PORT: String(port),
      CLUSTER_ENABLED: 'false',
      LOG_LEVEL: 'warn',
      WORKER_TASK_TIMEOUT_MS: String(limits.taskTimeoutMs),
      CHILD_PROCESS_TIMEOUT_MS: String(limits.commandTimeoutMs),
      CHILD_PROCESS_KILL_GRACE_MS: String(limits.killGraceMs),
      HEALTH_READY_HYSTERESIS_MS: String(limits.readyHysteresisMs),
      API_DOCS_ENABLED: 'true',
      ...env,
    });
    try {
      await service.waitForOk(`http://127.0.0.1:${port}/health/ready`, 30_000);
      const document = (await (
        await fetch(`http://127.0.0.1:${port}/docs/openapi.json`)
      ).json()) as OpenAPIObject;
      return new FuzzedService(service, port, document);
    } catch (error) {
      await service.stop();
      throw error;
    }
  }

  /** The statuses the OpenAPI document lists for `operationId`. */
  documented(operationId: string): number[] {
    for (const item of Object.values(this.document.paths)) {
      for (const operation of Object.values(item as Record<string, OperationObject>)) {
        if (operation.operationId === operationId) {
          return Object.keys(operation.responses).map(Number).sort();
        }
      }
    }
    throw new Error(`no operation ${operationId} in the OpenAPI document`);
  }

  /** Resident memory of the service process, from /proc/<pid>/status (VmRSS). */
  rssMb(): number {
    const status = readFileSync(`/proc/${this.process.child.pid}/status`, 'utf8');
    const kb = Number(/^VmRSS:\s+(\d+) kB/m.exec(status)?.[1]);
    return Math.round(kb / 1024);
  }

  /** Command processes below the service: every descendant but the spawn helper. */
  commands(): string[] {
    return descendantsOf(this.process.child.pid!)
      .filter((process) => !process.argv.some((arg) => arg.includes('spawn-host')))
      .map((process) => `${process.pid} ${process.argv.join(' ')}`);
  }

  /**
   * What is wrong with the service after a case: it exited, holds more than
   * {@link RSS_BOUND_MB}, or still runs a command once the kill grace has passed.
   */
  async problems(): Promise<string[]> {
    if (this.process.child.exitCode !== null || this.process.child.signalCode !== null) {
      return [
        `the service exited (${this.process.child.exitCode ?? this.process.child.signalCode})`,
      ];
    }
    const problems: string[] = [];
    const rss = this.rssMb();
    if (rss > RSS_BOUND_MB) problems.push(`the service holds ${rss} MiB (bound ${RSS_BOUND_MB})`);
    const end = Date.now() + FUZZ_LIMITS.killGraceMs + 1_000;
    let left = this.commands();
    while (left.length > 0 && Date.now() < end) {
      await delay(20);
      left = this.commands();
    }
    if (left.length > 0) problems.push(`commands left running: ${left.join('; ')}`);
    return problems;
  }

  /** Whether /health/ready answers 200 within the readiness hysteresis plus the grace. */
  async ready(): Promise<boolean> {
    const end = Date.now() + FUZZ_LIMITS.readyHysteresisMs + GRACE_MS;
    while (Date.now() < end) {
      const status = await fetch(`http://127.0.0.1:${this.port}/health/ready`).then(
        (r) => r.status,
        () => 0,
      );
      if (status === 200) return true;
      await delay(100);
    }
    return false;
  }

  stop(): Promise<void> {
    return this.process.stop();
  }
}
