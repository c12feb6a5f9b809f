import fc from 'fast-check';
import { fuzz, utf8Bytes } from '../../../test/support/fuzz';
import { echo, ECHO_MAX_CHARS, echoList } from './messages';

describe('echo', () => {
  it('keeps a short value whole and cuts a long one with …', () => {
    expect(echo('width')).toBe('width');
    expect(echo('x'.repeat(ECHO_MAX_CHARS))).toBe('x'.repeat(ECHO_MAX_CHARS));
    expect(echo('x'.repeat(5_000))).toBe(`${'x'.repeat(ECHO_MAX_CHARS)}…`);
  });

  it('never cuts between the halves of a surrogate pair', () => {
    const value = `${'x'.repeat(ECHO_MAX_CHARS - 1)}😀tail`;
    expect(echo(value)).toBe(`${'x'.repeat(ECHO_MAX_CHARS - 1)}…`);
  });

  it('names the first five values and counts the rest', () => {
    expect(echoList(['a', 'b'])).toBe('a, b');
    const many = Array.from({ length: 60_000 }, (_, i) => `k${i}`);
    expect(echoList(many)).toBe('k0, k1, k2, k3, k4 and 59995 more');
  });

  it('bounds a list of any values to well under 1 KiB of UTF-8', async () => {
    await fuzz(
      fc.property(
        fc.array(fc.string({ unit: 'binary', maxLength: 200 }), { maxLength: 50 }),
        (values) => {
          const text = echoList(values);
          expect(utf8Bytes(text)).toBeLessThanOrEqual(900);
          expect(text.isWellFormed() || values.some((value) => !value.isWellFormed())).toBe(true);
        },
      ),
      300,
    );
  });
});
