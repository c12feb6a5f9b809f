export { DeadlinesModule } from './deadlines.module';
export { DEADLINE_GRACE_MS } from './deadline-guard';
export { isPath, paramAfter, type RouteDeadline, RouteDeadlines } from './route-deadlines';
