import sharp from 'sharp';

/*
 * sharp is loaded here, on the app worker's main thread, when the app module graph is
 * imported, which is before WorkerPool starts any pool thread. sharp's docs ("worker
 * threads") require it: a native addon first loaded inside a thread can crash the process
 * when that thread exits.
 *
 * Uploads are all different, so libvips' operation cache only costs memory. One libvips
 * thread per operation (already the default on glibc without jemalloc, not on musl):
 * image parallelism comes from WorkerPool's in-process slots on libuv's pool, so threads
 * never multiply past the cores.
 */
sharp.cache(false);
sharp.concurrency(1);

export { sharp };
