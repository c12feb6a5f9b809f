import { TailBuffer, utf8Tail } from './tail-buffer';

describe('TailBuffer', () => {
  it('keeps the last bytes written across chunks', () => {
    const tail = new TailBuffer(5);
    for (const chunk of ['abc', 'defg', 'h', 'ij']) tail.push(Buffer.from(chunk));
    expect(tail.toBuffer().toString()).toBe('fghij');
  });

  it('stays correct over many small chunks', () => {
    const tail = new TailBuffer(4);
    for (let i = 0; i < 1000; i++) tail.push(Buffer.from('0123456789'));
    expect(tail.toBuffer().toString()).toBe('6789');
  });

  it('keeps nothing with a limit of 0', () => {
    const tail = new TailBuffer(0);
    tail.push(Buffer.from('abc'));
    expect(tail.toBuffer()).toHaveLength(0);
  });
});

describe('utf8Tail', () => {
  it('does not start inside a multi-byte character', () => {
    const text = Buffer.from('aé€😀'); // 1 + 2 + 3 + 4 bytes
    expect(utf8Tail(text, 5)).toBe('😀'); // the last byte of € is skipped, not shown as U+FFFD
    expect(utf8Tail(text, 7)).toBe('€😀');
    expect(utf8Tail(text, 100)).toBe('aé€😀');
  });
});
