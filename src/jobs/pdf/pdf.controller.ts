import { Body, Controller, HttpCode, Post, StreamableFile } from '@nestjs/common';
import { RequestSignal } from '../../common/http/request-signal.decorator';
import { PdfService } from './pdf.service';
import { parseReport } from './report.validation';

@Controller('pdf')
export class PdfController {
  constructor(private readonly pdf: PdfService) {}

  /** `POST /pdf/report` with a JSON report → `application/pdf`. */
  @Post('report')
  @HttpCode(200)
  async report(
    @Body() body: unknown,
    @RequestSignal() signal: AbortSignal,
  ): Promise<StreamableFile> {
    const report = parseReport(body);
    const pdf = await this.pdf.render(report, signal);
    return new StreamableFile(pdf, {
      type: 'application/pdf',
      disposition: 'inline; filename="report.pdf"',
    });
  }
}
