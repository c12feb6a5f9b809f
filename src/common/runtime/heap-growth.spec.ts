import { heapGrowingFlag } from './heap-growth';

describe('heapGrowingFlag', () => {
  it('sets the factor from the percentage', () => {
    expect(heapGrowingFlag(200, [], '')).toBe('--heap-growing-percent=200');
  });

  it("sets nothing for 0: V8's own adaptive factor", () => {
    expect(heapGrowingFlag(0, [], '')).toBeUndefined();
  });

  it.each([
    [['--heap-growing-percent=50'], ''],
    [['--inspect', '--heap-growing-percent', '50'], ''],
    [[], '--max-old-space-size=512 --heap-growing-percent=50'],
    [['--heap_growing_percent=50'], ''],
  ])('leaves a factor given to node itself (execArgv %j, NODE_OPTIONS %j)', (execArgv, options) => {
    expect(heapGrowingFlag(200, execArgv, options)).toBeUndefined();
  });

  it('is not fooled by a flag that only starts the same way', () => {
    expect(heapGrowingFlag(200, ['--heap-growing-percentage=1'], '')).toBe(
      '--heap-growing-percent=200',
    );
  });
});
