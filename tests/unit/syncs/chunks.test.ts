import { expect, it } from 'vitest';
import { PlanLayout } from '../../../src/syncs/batches.js';
import { chunksOf } from '../../../src/syncs/send/chunk-reader.js';

it('cuts a plan into chunks of whole batches that never span removals and upserts', () => {
  // 25 removals and 42 upserts in batches of 10: batches 0-2 remove, 3-7 upsert.
  const layout = new PlanLayout({ removes: 25, upserts: 42, batchSize: 10 });
  expect(layout.total).toBe(8);
  expect(chunksOf(layout, 0, 2)).toEqual([[0, 1], [2, 2], [3, 4], [5, 6], [7, 7]]);
  expect(chunksOf(layout, 0, 100)).toEqual([[0, 2], [3, 7]]);
  // A resumed send starts at the batch of the first uncommitted seq.
  expect(chunksOf(layout, layout.numberOf(31), 3)).toEqual([[3, 5], [6, 7]]);
  expect(chunksOf(layout, 8, 3)).toEqual([]);
});
