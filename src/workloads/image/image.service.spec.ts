import { BufferPool } from '../../common/http/buffer-pool';
import { WorkingMemory } from './image.cost';
import { resizeImageTask } from './image.service';
import { sharp } from './sharp';

const MiB = 1024 * 1024;

/** A JPEG of noise, large enough (over 64 KiB) for its upload to be pooled. */
const noiseJpeg = () =>
  sharp({
    create: {
      width: 600,
      height: 400,
      channels: 3,
      background: '#808080',
      noise: { type: 'gaussian', mean: 128, sigma: 40 },
    },
  })
    .jpeg({ quality: 90 })
    .toBuffer();

describe('resizeImageTask: the upload and its pool', () => {
  const settings = {
    params: { width: 30, fit: 'cover' as const, format: 'jpeg' as const },
    maxInputPixels: 50_000_000,
    maxOutputPixels: 50_000_000,
    inputFormats: ['jpeg'],
    memory: new WorkingMemory(512 * MiB),
  };
  const context = () => ({ signal: new AbortController().signal, deadline: Date.now() + 30_000 });

  /** `bytes` read into a buffer of `uploads`, as readRawBody does. */
  const upload = (uploads: BufferPool, bytes: Buffer) => {
    const data = uploads.take(bytes.length);
    bytes.copy(data);
    return data;
  };

  it('gives the upload back when the resize has ended, not before', async () => {
    const uploads = new BufferPool({ maxSize: 4 * MiB, maxRetainedBytes: 4 * MiB });
    const jpeg = await noiseJpeg();
    expect(jpeg.length).toBeGreaterThan(64 * 1024);
    const data = upload(uploads, jpeg);
    const running = resizeImageTask.run({ ...settings, data, uploads }, context());
    // sharp reads the upload on libuv's threads until the resize settles.
    expect(uploads.retainedBytes).toBe(0);
    const image = await running;
    expect(image).toMatchObject({ width: 30, format: 'jpeg' });
    expect(uploads.retainedBytes).toBe(data.buffer.byteLength);
  });

  it('gives it back when the resize fails too, and the next upload reads only its own bytes', async () => {
    const uploads = new BufferPool({ maxSize: 4 * MiB, maxRetainedBytes: 4 * MiB });
    const jpeg = await noiseJpeg();
    const garbage = Buffer.alloc(jpeg.length, 0x5a);
    const first = upload(uploads, garbage);
    await expect(
      resizeImageTask.run({ ...settings, data: first, uploads }, context()),
    ).rejects.toThrow(/not an image/);
    expect(uploads.retainedBytes).toBe(first.buffer.byteLength);

    // The same memory, now holding the JPEG: the resize sees the JPEG.
    const second = upload(uploads, jpeg);
    expect(second.buffer).toBe(first.buffer);
    const image = await resizeImageTask.run({ ...settings, data: second, uploads }, context());
    expect(image.width).toBe(30);
  });
});
