import { FUZZ_LIMITS } from '../../../../test/support/http-fuzz/service';
import { notOk, type WorkloadKit } from '../../../../test/support/workloads';
import { extractPdf } from './pdf-text';
import { type PdfLimits, reportCases } from './report.fuzz-cases';

/** The PDF limits of the fuzzed service. */
const LIMITS: PdfLimits = { pdfMaxBodyBytes: 1024 * 1024, pdfMaxPages: 20 };

/** What the suites in test/ need of the PDF workload (test/support/workloads.ts). */
export const kit: WorkloadKit = {
  name: 'pdf',
  routes: ['POST /pdf/report'],
  example() {
    const label = 'POST /pdf/report';
    return Promise.resolve({
      label,
      path: '/pdf/report',
      headers: { 'Content-Type': 'application/json' },
      body: Buffer.from('{"title":"Hello","table":{"columns":["a","b"],"rows":[[1,2]]}}'),
      problems(answer) {
        if (answer.status !== 200) return notOk(label, answer);
        if (!String(answer.headers['content-type']).startsWith('application/pdf')) {
          return [`${label}: a 200 of type ${String(answer.headers['content-type'])}`];
        }
        const first = extractPdf(answer.body).pages[0];
        return first.includes('Hello') ? [] : [`${label}: page 1 reads ${JSON.stringify(first)}`];
      },
    });
  },
  fuzz: {
    env: {
      PDF_MAX_BODY_BYTES: String(LIMITS.pdfMaxBodyBytes),
      PDF_MAX_PAGES: String(LIMITS.pdfMaxPages),
    },
    routes: [
      {
        name: 'POST /pdf/report',
        operationId: 'renderReport',
        runs: 40,
        deadlineMs: FUZZ_LIMITS.taskTimeoutMs,
        // A valid report is rendered; a 422 only where the route documents one (fonts).
        cases: (documented) =>
          reportCases(LIMITS, [
            200,
            504,
            ...documented('renderReport').filter((status) => status === 422),
          ]),
      },
    ],
    transfers() {
      const report = { title: 'cut', sections: [{ heading: 'h', body: 'x'.repeat(5_000) }] };
      return [
        {
          operationId: 'renderReport',
          path: '/pdf/report',
          type: 'application/json',
          body: Buffer.from(JSON.stringify(report)),
          deadlineMs: FUZZ_LIMITS.taskTimeoutMs,
        },
      ];
    },
    framingTargets: ['POST /pdf/report'],
  },
};
