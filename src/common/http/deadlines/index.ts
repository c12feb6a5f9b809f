/**
 * Per-route deadlines: every request is answered within its route's deadline, body reading
 * included (DeadlineGuard, BodyRateGuard).
 *
 * Runs in: the app worker.
 *
 * @packageDocumentation
 */
export { DeadlinesModule } from './deadlines.module';
export { DEADLINE_GRACE_MS } from './deadline-guard';
export {
  isPath,
  paramAfter,
  poolTaskRoute,
  type RouteDeadline,
  RouteDeadlines,
} from './route-deadlines';
