import { RunLane } from './run-lane';

describe('RunLane', () => {
  it('admits up to its slots, then queues', () => {
    const lane = new RunLane<string>(2);
    expect([lane.enter('a'), lane.enter('b'), lane.enter('c')]).toEqual([true, true, false]);
    expect(lane).toMatchObject({ running: 2, queued: 1, mustWait: true });
  });

  it('hands each freed slot to the oldest waiting run', () => {
    const lane = new RunLane<string>(1);
    lane.enter('running');
    ['a', 'b', 'c'].forEach((run) => lane.enter(run));
    expect([lane.release(), lane.release(), lane.release(), lane.release()]).toEqual([
      'a',
      'b',
      'c',
      undefined,
    ]);
    expect(lane).toMatchObject({ running: 0, queued: 0, mustWait: false });
  });

  it('makes a newcomer wait behind queued runs even when a slot is free', () => {
    const lane = new RunLane<string>(1);
    lane.enter('running');
    lane.enter('waiting');
    expect(lane.release()).toBe('waiting'); // the slot passed on, never free in between
    expect(lane.enter('late')).toBe(false);
  });

  it('takes a cancelled run out of the queue, keeping the order of the rest', () => {
    const lane = new RunLane<string>(1);
    ['running', 'a', 'b', 'c'].forEach((run) => lane.enter(run));
    expect(lane.remove('b')).toBe(true);
    expect(lane.remove('b')).toBe(false);
    expect(lane.remove('running')).toBe(false); // holds a slot, not in the queue
    expect([lane.release(), lane.release()]).toEqual(['a', 'c']);
  });

  it('drains the queue for shutdown, leaving running runs their slots', () => {
    const lane = new RunLane<string>(1);
    ['running', 'a', 'b'].forEach((run) => lane.enter(run));
    expect(lane.drain()).toEqual(['a', 'b']);
    expect(lane).toMatchObject({ running: 1, queued: 0 });
  });
});
