import type fc from 'fast-check';
import type { FuzzCase } from './case';
import type { TransferRoute } from './transfer';

/** One POST route of a workload, as test/http.fuzz.e2e-spec.ts fuzzes it. */
export interface FuzzRoute {
  /** `POST /images/resize`: the property's name. */
  name: string;
  /** Its operationId in the OpenAPI document, whose statuses it may answer with. */
  operationId: string;
  /** Cases per run under `npm test` (`npm run fuzz -- --runs=N` overrides). */
  runs: number;
  /** Its deadline under FUZZ_LIMITS, when a case does not carry its own. */
  deadlineMs: number;
  /** Whether a 200 may be cut short (a route that streams its answer). */
  streams?: boolean;
  /** Its cases, given the statuses the OpenAPI document lists per operationId. */
  cases(documented: (operationId: string) => number[]): fc.Arbitrary<FuzzCase>;
}

/** A workload's share of the HTTP fuzz: its routes, limits and files. */
export interface WorkloadFuzz {
  /** The service's environment for these routes: their limits, the files they read. */
  env: Record<string, string>;
  /** Makes what the cases need (sample images), once, before a case is drawn. */
  prepare?(): Promise<void>;
  routes: FuzzRoute[];
  /** Requests whose bodies stop arriving. */
  transfers(): TransferRoute[];
  /** Request lines (`POST /pdf/report`) the malformed requests are written to. */
  framingTargets: string[];
}
