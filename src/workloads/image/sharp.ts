import sharp from 'sharp';

/*
 * sharp is loaded here, on the main thread, when the app module graph is imported, which
 * is before WorkerPool starts any thread. sharp's docs ("worker threads") require it: a
 * native addon first loaded inside a worker can crash the process when that worker exits.
 *
 * Uploads are all different, so libvips' operation cache only costs memory. One libvips
 * thread per operation (already the default on glibc without jemalloc, not on musl):
 * image parallelism comes from WorkerPool's in-process slots on libuv's pool, so threads
 * never multiply past the cores.
 */
sharp.cache(false);
sharp.concurrency(1);

export { sharp };
