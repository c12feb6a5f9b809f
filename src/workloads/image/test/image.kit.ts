import { FUZZ_LIMITS } from '../../../../test/support/http-fuzz/service';
import { multipart } from '../../../../test/support/http-fuzz/multipart';
import { notOk, type WorkloadKit } from '../../../../test/support/workloads';
import { sharp } from '../sharp';
import { makePng } from './images';
import {
  type ImageLimits,
  type ImageSamples,
  makeImageSamples,
  resizeCases,
} from './resize.fuzz-cases';

/** The image limits of the fuzzed service. */
const LIMITS: ImageLimits = {
  maxInputBytes: 2 * 1024 * 1024,
  maxInputPixels: 4_000_000,
  maxOutputPixels: 4_000_000,
  maxOutputDimension: 8_192,
};

let samples: ImageSamples | undefined;
function prepared(): ImageSamples {
  if (!samples) throw new Error('the image kit: fuzz.prepare() makes the samples first');
  return samples;
}

/** What the suites in test/ need of the image workload (test/support/workloads.ts). */
export const kit: WorkloadKit = {
  name: 'image',
  routes: ['POST /images/resize'],
  async example() {
    const label = 'POST /images/resize';
    return {
      label,
      path: '/images/resize?width=200&format=webp',
      headers: { 'Content-Type': 'image/png' },
      body: await makePng(400, 300),
      async problems(answer) {
        if (answer.status !== 200) return notOk(label, answer);
        const { format, width, height } = await sharp(answer.body).metadata();
        return format === 'webp' && width === 200 && height === 150
          ? []
          : [`${label}: a ${format} of ${width}×${height}, not a 200×150 webp`];
      },
    };
  },
  fuzz: {
    env: {
      IMAGE_MAX_INPUT_BYTES: String(LIMITS.maxInputBytes),
      IMAGE_MAX_INPUT_PIXELS: String(LIMITS.maxInputPixels),
      IMAGE_MAX_OUTPUT_PIXELS: String(LIMITS.maxOutputPixels),
      IMAGE_MAX_OUTPUT_DIMENSION: String(LIMITS.maxOutputDimension),
    },
    async prepare() {
      samples ??= await makeImageSamples(LIMITS);
    },
    routes: [
      {
        name: 'POST /images/resize',
        operationId: 'resizeImage',
        runs: 40,
        deadlineMs: FUZZ_LIMITS.taskTimeoutMs,
        cases: () => resizeCases(prepared(), LIMITS),
      },
    ],
    transfers() {
      const image = prepared().atLimit.data;
      const form = multipart('cut', [{ name: 'file', filename: 'a.png', data: image }]);
      const route = {
        operationId: 'resizeImage',
        path: '/images/resize?width=8',
        deadlineMs: FUZZ_LIMITS.taskTimeoutMs,
      };
      return [
        { ...route, type: 'image/png', body: image },
        { ...route, type: form.type, body: form.data },
      ];
    },
    framingTargets: ['POST /images/resize?width=1'],
  },
};
