import { ApiProperty } from '@nestjs/swagger';

/**
 * The JSON body of every error answer, in Nest's shape: what ApiExceptionFilter sends for
 * the concurrency and body-parser errors, and what Nest sends for its HttpExceptions.
 * Described once; each route's error statuses reference it (see `ApiErrors`).
 */
export class ApiErrorBody {
  @ApiProperty({ type: 'integer', example: 400, description: 'The HTTP status, repeated.' })
  statusCode!: number;

  @ApiProperty({ example: 'Bad Request', description: "The status's reason phrase." })
  error!: string;

  @ApiProperty({
    example: 'width must be an integer from 1 to 8192',
    description: 'What went wrong, naming the parameter or limit.',
  })
  message!: string;
}
