import { readDocsConfig } from './docs.config';
import { InvalidEnvironmentError } from './env';

describe('readDocsConfig', () => {
  it('serves the docs by default outside production only', () => {
    expect(readDocsConfig({})).toEqual({ enabled: true });
    expect(readDocsConfig({ NODE_ENV: 'test' })).toEqual({ enabled: true });
    expect(readDocsConfig({ NODE_ENV: 'production' })).toEqual({ enabled: false });
  });

  it('lets API_DOCS_ENABLED force them either way', () => {
    expect(readDocsConfig({ NODE_ENV: 'production', API_DOCS_ENABLED: 'true' })).toEqual({
      enabled: true,
    });
    expect(readDocsConfig({ API_DOCS_ENABLED: 'no' })).toEqual({ enabled: false });
  });

  it('refuses a value that is not a boolean, naming the variable', () => {
    expect(() => readDocsConfig({ API_DOCS_ENABLED: 'maybe' })).toThrow(InvalidEnvironmentError);
    expect(() => readDocsConfig({ API_DOCS_ENABLED: 'maybe' })).toThrow(/API_DOCS_ENABLED/);
  });
});
