'use strict';
/**
 * What the service passes to `resizeImage` besides the image: its limits, from its own image
 * config (the defaults: the bench sets no IMAGE_* variable), and the working-memory budget
 * of the process (one per process in the service; here one per process or per thread).
 * Shared by the direct runner and the placement section's thread, so that "direct" resizes
 * are checked like the service's.
 */
const { join } = require('node:path');

const DIST = join(__dirname, '..', '..', 'dist');
let limits;

function resizeInput(data, params) {
  if (!limits) {
    const config = require(join(DIST, 'config', 'image.config.js')).readImageConfig();
    const { WorkingMemory } = require(join(DIST, 'workloads', 'image', 'image.cost.js'));
    limits = {
      maxInputPixels: config.maxInputPixels,
      maxOutputPixels: config.maxOutputPixels,
      inputFormats: config.inputFormats,
      memory: new WorkingMemory(config.maxMemoryBytes),
    };
  }
  return { data, params, ...limits };
}

/**
 * The node flags that give another process the service's own heap growing factor
 * (HEAP_GROWING_PERCENT as this process's environment sets it, which the service started by
 * the bench inherits): the floor server runs with them, so GC settings are no difference.
 */
function serviceHeapFlags() {
  const { readAppConfig } = require(join(DIST, 'config', 'app.config.js'));
  const { heapGrowingFlag } = require(join(DIST, 'common', 'runtime', 'heap-growth.js'));
  const flag = heapGrowingFlag(readAppConfig().heapGrowingPercent, [], '');
  return flag ? [flag] : [];
}

module.exports = { resizeInput, serviceHeapFlags };
