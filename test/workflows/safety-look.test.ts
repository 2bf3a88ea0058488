// #11.2: when a waiting callback looks by itself (workflows/safety-look.ts). Pure: no Temporal.
import { FIRST_LOOK_MS, LAST_LOOK_MS, SafetyLooks } from '../../workflows/safety-look';

test('#11.2: the first look comes after 5 s, then each wait doubles up to 15 min', () => {
  const looks = new SafetyLooks();
  const waits = Array.from({ length: 10 }, () => looks.next() / 1000);
  expect(waits).toEqual([5, 10, 20, 40, 80, 160, 320, 640, 900, 900]);
  expect(FIRST_LOOK_MS).toBe(5_000);
  expect(LAST_LOOK_MS).toBe(900_000);
});

test('#11.2: a wake-up brings the next look back to 5 s', () => {
  const looks = new SafetyLooks();
  for (let i = 0; i < 12; i++) looks.next();
  looks.reset();
  expect([looks.next(), looks.next()]).toEqual([5_000, 10_000]);
});

test('#11.2: a continued-as-new wait goes on where the last run left off, within bounds', () => {
  expect(new SafetyLooks(160_000).next()).toBe(160_000);
  expect(new SafetyLooks(10).next()).toBe(5_000);
  expect(new SafetyLooks(86_400_000).next()).toBe(900_000);
  const looks = new SafetyLooks(640_000);
  expect(looks.peek()).toBe(640_000);
  looks.next();
  expect(looks.peek()).toBe(900_000);
});

test('#11.2: looks over the longest wait stay few (the history bound: < 30 events per hour)', () => {
  const looks = new SafetyLooks();
  let count = 0;
  for (let waitedMs = 0; waitedMs < 86_400_000; count++) waitedMs += looks.next();
  // Six events per look (timer fired, a workflow task, the local look's marker, the next timer).
  expect(count).toBeLessThan(105);
  expect((count * 6) / 24).toBeLessThan(30);
});
