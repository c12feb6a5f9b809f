import {
  Body,
  Controller,
  HttpCode,
  Post,
  Req,
  StreamableFile,
  UnsupportedMediaTypeException,
} from '@nestjs/common';
import type { Request } from 'express';
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
    @Req() request: Request,
    @RequestSignal() signal: AbortSignal,
  ): Promise<StreamableFile> {
    if (!request.is('application/json')) {
      throw new UnsupportedMediaTypeException('Content-Type must be application/json');
    }
    const report = parseReport(body);
    const pdf = await this.pdf.render(report, signal);
    return new StreamableFile(pdf, {
      type: 'application/pdf',
      disposition: 'inline; filename="report.pdf"',
    });
  }
}
