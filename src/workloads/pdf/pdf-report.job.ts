import { Injectable } from '@nestjs/common';
import { defineJobType, type JobContext, type JobHandler } from '../../jobs';
import { PdfService } from './pdf.service';
import { REPORT_SCHEMA } from './report.schema';
import type { ReportInput } from './report.types';
import { parseReport } from './report.validation';

/** `POST /jobs/pdf-report`: the body of `POST /pdf/report`, checked the same way, rendered later. */
@Injectable()
export class PdfReportJob implements JobHandler<ReportInput> {
  constructor(private readonly pdf: PdfService) {}

  accept(body: unknown): ReportInput {
    const report = parseReport(body);
    this.pdf.checkGlyphs(report);
    return report;
  }

  run(report: ReportInput, { signal }: JobContext): Promise<Uint8Array> {
    return this.pdf.render(report, signal);
  }
}

export const pdfReportJob = defineJobType({
  name: 'pdf-report',
  handler: PdfReportJob,
  bodyLimit: 'pdf.maxBodyBytes',
  resultType: 'application/pdf',
  docs: {
    schema: REPORT_SCHEMA,
    summary: 'Queue a PDF report; any instance renders it',
    description: 'The body of `POST /pdf/report` (up to PDF_MAX_BODY_BYTES).',
  },
});
