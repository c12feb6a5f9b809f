export { DeadlinesModule } from './deadlines.module';
export { DEADLINE_GRACE_MS } from './deadline-guard';
export {
  isPath,
  paramAfter,
  poolTaskRoute,
  type RouteDeadline,
  RouteDeadlines,
} from './route-deadlines';
