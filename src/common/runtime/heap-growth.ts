import { setFlagsFromString } from 'node:v8';

const FLAG = '--heap-growing-percent';

/**
 * The V8 flag that sets the old-generation growing factor to 1 + `percent` / 100, or
 * undefined when there is none to set: `percent` is 0 (V8's own adaptive factor), or node was
 * started with the flag itself (on its command line or in `NODE_OPTIONS`), which wins.
 */
export function heapGrowingFlag(
  percent: number,
  execArgv: readonly string[] = process.execArgv,
  nodeOptions: string = process.env.NODE_OPTIONS ?? '',
): string | undefined {
  // V8 takes its flags' names with dashes or underscores.
  const given = (arg: string) => arg.split('=')[0].replaceAll('_', '-') === FLAG;
  if (percent === 0 || execArgv.some(given) || nodeOptions.split(/\s+/).some(given)) {
    return undefined;
  }
  return `${FLAG}=${percent}`;
}

/**
 * Sets V8's old-generation growing factor for this process and every thread it starts (V8's
 * flags are per process), unless {@link heapGrowingFlag} says otherwise.
 *
 * Why (README, "Why the heap grows by a factor of 3"): uploads allocate outside the heap, a
 * Nest app's live heap is small, and with V8's factor the room under the old generation's
 * limit fell below the young generation's capacity, so V8 marked again right after each full
 * collection. V8 reads the flag at each collection, so setting it at start-up takes effect
 * from the next one.
 */
export function setHeapGrowing(percent: number): void {
  const flag = heapGrowingFlag(percent);
  if (flag) setFlagsFromString(flag);
}
