import sharp from 'sharp';

/*
 * sharp is loaded here, on the main thread, when the app module graph is imported, which
 * is before WorkerPool starts any thread. sharp's docs ("worker threads") require it: a
 * native addon first loaded inside a worker can crash the process when that worker exits.
 *
 * Uploads are all different, so libvips' operation cache only costs memory.
 */
sharp.cache(false);

export { sharp };
