/** The input is not an image sharp can decode. */
export class UnsupportedImageError extends Error {
  override readonly name = 'UnsupportedImageError';
}

/**
 * The input image (read from its header, before decoding) or the requested output has
 * more pixels than allowed.
 */
export class ImageTooLargeError extends Error {
  override readonly name = 'ImageTooLargeError';

  constructor(
    readonly side: 'input' | 'output',
    readonly pixels: number,
    readonly maxPixels: number,
  ) {
    super(
      side === 'input'
        ? `The image has ${pixels} pixels, over the limit of ${maxPixels}`
        : `The output would have ${pixels} pixels, over the limit of ${maxPixels}`,
    );
  }
}

/** The resize alone would cost more than the service allows: memory, or time it cannot stop. */
export class ImageTooCostlyError extends Error {
  override readonly name = 'ImageTooCostlyError';
}

/** The resizes in progress hold the memory budget: retry shortly. */
export class ImageMemoryBusyError extends Error {
  override readonly name = 'ImageMemoryBusyError';

  constructor() {
    super('Too many large images are being resized at once; try again shortly');
  }
}
