// The one timer behind every exchange's total time (src/upstream/deadlines.ts): entries expire in order,
// no sooner than their duration, removed ones never, and the timer re-arms for later entries.
import t from 'tap';
import { DeadlineList, type Deadline } from '../../src/upstream/deadlines.ts';

function entry(name: string, expired: Array<{ name: string; at: number }>): Deadline {
  return {
    deadline: 0,
    previousDeadline: null,
    nextDeadline: null,
    expire: () => void expired.push({ name, at: performance.now() }),
  };
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

t.test('entries expire in order after their duration; removed ones never', async (t) => {
  const list = new DeadlineList(100);
  t.teardown(() => list.stop());
  const expired: Array<{ name: string; at: number }> = [];
  const started = performance.now();
  const first = entry('first', expired);
  const middle = entry('middle', expired);
  list.add(first);
  list.add(middle);
  await sleep(40);
  const last = entry('last', expired);
  list.add(last);
  list.remove(middle);
  list.remove(middle); // twice is harmless
  t.equal(list.size, 2);
  await sleep(80);
  t.same(expired.map((e) => e.name), ['first'], 'the first is due, the last not yet');
  t.ok(expired[0]!.at - started >= 99, 'not before its time');
  await sleep(80);
  t.same(expired.map((e) => e.name), ['first', 'last'], 'the timer re-armed for the last');
  t.ok(expired[1]!.at - started >= 139);
  t.equal(list.size, 0);
});

t.test('removing the head and the tail keeps the list linked; an emptied list arms again', async (t) => {
  const list = new DeadlineList(30);
  t.teardown(() => list.stop());
  const expired: Array<{ name: string; at: number }> = [];
  const a = entry('a', expired);
  const b = entry('b', expired);
  const c = entry('c', expired);
  list.add(a);
  list.add(b);
  list.add(c);
  list.remove(a);
  list.remove(c);
  t.equal(list.size, 1);
  await sleep(60);
  t.same(expired.map((e) => e.name), ['b']);
  list.add(a);
  await sleep(60);
  t.same(expired.map((e) => e.name), ['b', 'a'], 'a list that ran empty starts its timer again');
});
