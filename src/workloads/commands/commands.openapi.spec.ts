import { describeCommands } from './commands.openapi';

describe('describeCommands', () => {
  it('lists each command with its parameters, their ranges, values, patterns and defaults', () => {
    expect(
      describeCommands([
        { name: 'wordcount', executable: 'wc', args: ['-w'], params: {} },
        {
          name: 'pick',
          executable: 'cut',
          args: ['-f{field}', '-d{sep}', '--{mode}'],
          params: {
            field: { type: 'integer', min: 1, max: 9, default: 1 },
            sep: { type: 'enum', values: [',', ';'] },
            mode: { type: 'string', pattern: '[a-z]+', maxLength: 16, default: 'bytes' },
          },
        },
      ]),
    ).toBe(
      '- `wordcount`: no parameters\n' +
        '- `pick`: `field`: integer 1 … 9, default `1`; `sep`: one of `,`, `;`; ' +
        '`mode`: matching `[a-z]+`, at most 16 characters, default `bytes`',
    );
  });
});
