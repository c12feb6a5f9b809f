import { setFlagsFromString } from 'node:v8';

/**
 * Sets V8's old-generation growing factor to 1 + `percent` / 100 for this process and every
 * thread it starts (V8's flags are per process); 0 leaves V8's own adaptive factor.
 *
 * Why (README, "Why the heap grows by a factor of 3"): uploads allocate outside the heap, a
 * Nest app's live heap is small, and with V8's factor the room under the old generation's
 * limit fell below the young generation's capacity, so V8 marked again right after each full
 * collection. V8 reads the flag at each collection, so setting it at start-up takes effect
 * from the next one.
 */
export function setHeapGrowing(percent: number): void {
  if (percent > 0) setFlagsFromString(`--heap-growing-percent=${percent}`);
}
