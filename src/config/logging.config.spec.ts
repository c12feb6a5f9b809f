import { InvalidEnvironmentError } from './env';
import { readLoggingConfig } from './logging.config';

describe('readLoggingConfig', () => {
  it('defaults to info, pretty on a terminal outside production, JSON elsewhere', () => {
    expect(readLoggingConfig({}, true)).toEqual({ level: 'info', format: 'pretty' });
    expect(readLoggingConfig({ NODE_ENV: 'production' }, true)).toMatchObject({ format: 'json' });
    expect(readLoggingConfig({}, false)).toMatchObject({ format: 'json' });
  });

  it('takes LOG_LEVEL and LOG_FORMAT as given, whatever the terminal', () => {
    expect(readLoggingConfig({ LOG_LEVEL: ' debug ', LOG_FORMAT: 'json' }, true)).toEqual({
      level: 'debug',
      format: 'json',
    });
    expect(readLoggingConfig({ LOG_LEVEL: 'silent', LOG_FORMAT: 'pretty' }, false)).toEqual({
      level: 'silent',
      format: 'pretty',
    });
  });

  it.each([
    ['LOG_LEVEL', 'verbose', 'one of fatal, error, warn, info, debug, trace, silent'],
    ['LOG_LEVEL', 'INFO', 'one of fatal, error, warn, info, debug, trace, silent'],
    ['LOG_FORMAT', 'text', 'one of json, pretty'],
  ])('refuses %s=%j, naming the variable', (variable, value, expected) => {
    let error: unknown;
    try {
      readLoggingConfig({ [variable]: value }, false);
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(InvalidEnvironmentError);
    expect(error).toMatchObject({
      variable,
      value,
      message: `Invalid environment variable ${variable}=${JSON.stringify(value)}: expected ${expected}`,
    });
  });
});
