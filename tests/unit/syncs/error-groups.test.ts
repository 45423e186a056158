import { expect, it } from 'vitest';
import { groupRowErrors } from '../../../src/syncs/error-groups.js';

it('the same error is one line with a count, most frequent first, with a few keys', () => {
  const errors = [
    ...Array.from({ length: 17 }, (_, i) => ({ key: `k${i}`, op: 'upsert' as const, status: 'rejected' as const, error: 'invalid email' })),
    { key: 'x', op: 'upsert' as const, status: 'retryable' as const, error: 'HTTP 503' },
    { key: 'y', op: 'remove' as const, status: 'rejected' as const, error: 'HTTP 503' },
  ];
  expect(groupRowErrors(errors)).toEqual([
    { error: 'invalid email', status: 'rejected', rows: 17, keys: ['k0', 'k1', 'k2'] },
    { error: 'HTTP 503', status: 'retryable', rows: 1, keys: ['x'] },
    { error: 'HTTP 503', status: 'rejected', rows: 1, keys: ['y'] },
  ]);
});
