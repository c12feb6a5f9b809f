import { ApiProperty } from '@nestjs/swagger';
import { ApiErrorBody } from '../../docs';
import type { CommandDefinition, CommandParam } from './commands.types';

/** A 422's body: the error, and what the command's exit left behind. */
export class CommandFailedBody extends ApiErrorBody {
  @ApiProperty({
    type: 'integer',
    nullable: true,
    example: 1,
    description: 'Null when a signal ended it.',
  })
  exitCode!: number | null;

  @ApiProperty({ type: 'string', nullable: true, example: null, description: 'e.g. SIGKILL' })
  signal!: string | null;

  @ApiProperty({
    example: 'gzip: stdin: unexpected end of file',
    description: 'The last 1 KiB of stderr.',
  })
  stderrTail!: string;
}

function describeParam(name: string, param: CommandParam): string {
  const fallback = param.default === undefined ? '' : `, default \`${param.default}\``;
  switch (param.type) {
    case 'integer':
      return `\`${name}\`: integer ${param.min} … ${param.max}${fallback}`;
    case 'enum':
      return `\`${name}\`: one of ${param.values.map((v) => `\`${v}\``).join(', ')}${fallback}`;
    case 'string':
      return `\`${name}\`: matching \`${param.pattern}\`, at most ${param.maxLength} characters${fallback}`;
  }
}

/** A Markdown list of the commands and the query parameters each accepts. */
export function describeCommands(commands: readonly CommandDefinition[]): string {
  return commands
    .map(({ name, params }) => {
      const described = Object.entries(params).map(([param, spec]) => describeParam(param, spec));
      return `- \`${name}\`: ${described.length === 0 ? 'no parameters' : described.join('; ')}`;
    })
    .join('\n');
}
