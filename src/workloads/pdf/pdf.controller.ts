import { Body, Controller, HttpCode, Post, Req, StreamableFile } from '@nestjs/common';
import { ApiBody, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import type { FastifyRequest } from 'fastify';
import { requireJsonBody } from '../../common/http/json-body';
import { RouteBody } from '../../common/http/route-body';
import { RequestSignal } from '../../common/http/request-signal.decorator';
import { ApiErrors, binaryContent } from '../../docs';
import { PdfService } from './pdf.service';
import { REPORT_SCHEMA } from './report.schema';
import { parseReport } from './report.validation';

@ApiTags('pdf')
@Controller('pdf')
export class PdfController {
  constructor(private readonly pdf: PdfService) {}

  /** `POST /pdf/report` with a JSON report → `application/pdf`. */
  @Post('report')
  @HttpCode(200)
  @RouteBody({ kind: 'json', limit: 'pdf.maxBodyBytes' })
  @ApiOperation({
    operationId: 'renderReport',
    summary: 'Render a PDF report on a pool thread',
    description:
      'A4 pages; a long table breaks across pages with its header row repeated; every page ' +
      'has "Page N of M" in its footer. Unknown fields are refused. Text is drawn with ' +
      'embedded fonts (DejaVu Sans, then the files in PDF_FONTS), right-to-left paragraphs ' +
      'in bidi order; a character none of them has is refused with 422 (or drawn as U+FFFD ' +
      'with PDF_MISSING_GLYPHS=replace), checked before the report is queued.',
  })
  @ApiBody({
    schema: REPORT_SCHEMA,
    description: 'The report, as JSON (up to PDF_MAX_BODY_BYTES).',
  })
  @ApiOkResponse({ description: 'The report.', content: binaryContent('application/pdf') })
  @ApiErrors({
    400: 'Invalid JSON, or a missing, unknown or invalid report field (the message names it).',
    413: 'A body over PDF_MAX_BODY_BYTES, or a report needing more than PDF_MAX_PAGES pages.',
    415: 'Content-Type is not application/json, or a Content-Encoding other than identity.',
    422:
      'A character that no configured font can draw (unless PDF_MISSING_GLYPHS=replace): ' +
      'the body also has `field` (e.g. `sections[0].body`) and `codePoint` (e.g. `U+1F980`).',
    503: 'The worker pool queue is full, or the service is shutting down.',
    504: 'Rendering passed WORKER_TASK_TIMEOUT_MS, queue wait included.',
    500: 'The pool thread rendering the report died; it is replaced.',
  })
  async report(
    @Body() body: unknown,
    @Req() request: FastifyRequest,
    @RequestSignal() signal: AbortSignal,
  ): Promise<StreamableFile> {
    requireJsonBody(request);
    const report = parseReport(body);
    const pdf = await this.pdf.render(report, signal);
    return new StreamableFile(pdf, {
      type: 'application/pdf',
      disposition: 'inline; filename="report.pdf"',
    });
  }
}
