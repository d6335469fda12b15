import { test } from 'node:test';
import assert from 'node:assert/strict';
import { forEachItem, type ItemEvent } from './progress.js';

const tick = (ms: number) => new Promise((r) => setTimeout(r, ms));

test('forEachItem: one at a time by default, events in order, failures skipped', async () => {
  const events: string[] = [];
  const failures = await forEachItem(
    ['a', 'b', 'c'],
    (s) => s,
    async (s) => {
      if (s === 'b') throw new Error('no');
    },
    (e) => events.push(`${e.type}:${e.name}`),
  );
  assert.deepEqual(events, ['item:a', 'itemDone:a', 'item:b', 'itemFailed:b', 'item:c', 'itemDone:c']);
  assert.deepEqual(
    failures.map((f) => f.name),
    ['b'],
  );
});

test('forEachItem with concurrency: never more at a time, started in order, every item once; an abort starts no new item', async () => {
  let running = 0;
  let most = 0;
  const started: number[] = [];
  const events: ItemEvent[] = [];
  const items = [30, 5, 20, 5, 10, 1, 15];
  const failures = await forEachItem(
    items,
    (ms) => String(ms),
    async (ms, i) => {
      started.push(i);
      most = Math.max(most, ++running);
      await tick(ms);
      running--;
      if (i === 3) throw new Error('fails');
    },
    (e) => events.push(e),
    undefined,
    3,
  );
  assert.equal(most, 3);
  assert.deepEqual(started, [0, 1, 2, 3, 4, 5, 6]);
  assert.equal(events.filter((e) => e.type === 'itemDone').length, 6);
  assert.deepEqual(
    failures.map((f) => f.name),
    ['5'],
  );

  const ctl = new AbortController();
  const ran: number[] = [];
  await forEachItem(
    [0, 1, 2, 3, 4, 5],
    String,
    async (i) => {
      ran.push(i);
      if (i === 1) ctl.abort();
      await tick(5);
    },
    undefined,
    ctl.signal,
    2,
  );
  assert.deepEqual(ran, [0, 1], 'the two in progress finish, nothing new starts');
});
