'use strict';
/**
 * The closed loop every section drives its direct (non-HTTP) work with: the dispatch section,
 * the commands section and the direct runner's processes. One copy, so that "direct" means
 * the same thing everywhere.
 */

/**
 * Runs `op(i)` in `concurrency` loops, each starting its next op as soon as its last one
 * settled, until `count` ops have started or `seconds` have passed, whichever comes first.
 * `onResult` gets each op's result (cheaper than wrapping `op` in another promise). An op
 * that fails is counted in `errors`; the first error is kept. Ops that end after the deadline
 * are not counted (as with HTTP load), but `wall` includes them.
 */
async function closedLoop(op, { concurrency, count = Infinity, seconds = Infinity, onResult }) {
  if (!Number.isFinite(count) && !Number.isFinite(seconds)) {
    throw new Error('closedLoop needs a count or seconds');
  }
  const start = performance.now();
  const end = start + seconds * 1000;
  let started = 0;
  let ops = 0;
  let errors = 0;
  let firstError;
  const loop = async () => {
    while (started < count && performance.now() < end) {
      try {
        const result = await op(started++);
        if (performance.now() <= end) ops++;
        onResult?.(result);
      } catch (error) {
        errors++;
        firstError ??= error;
      }
    }
  };
  await Promise.all(Array.from({ length: concurrency }, loop));
  const wall = (performance.now() - start) / 1000;
  const window = Number.isFinite(seconds) ? seconds : wall;
  return { ops, errors, firstError, wall, seconds: window, perSecond: ops / window };
}

module.exports = { closedLoop };
