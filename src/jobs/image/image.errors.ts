/** The input is not an image sharp can decode. */
export class UnsupportedImageError extends Error {
  override readonly name = 'UnsupportedImageError';
}

/** The image's pixel count is over the limit (read from its header, before decoding). */
export class ImageTooLargeError extends Error {
  override readonly name = 'ImageTooLargeError';

  constructor(
    readonly pixels: number,
    readonly maxPixels: number,
  ) {
    super(`The image has ${pixels} pixels, over the limit of ${maxPixels}`);
  }
}
