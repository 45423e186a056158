import { api } from '../lib/api';
import type { AudiencePreview } from '../lib/types';

/**
 * Values to suggest for a text trait, read from the data: the most frequent values among a sample
 * of profiles that have one. The API has no "distinct values" route yet, so a preview of a
 * `<trait> is set` audience with a sample of 500 stands in for it (one warehouse query, cached).
 */
const SAMPLE = 500;
const cache = new Map<string, Promise<Array<{ value: string; count: number }>>>();

export function traitValues(trait: string): Promise<Array<{ value: string; count: number }>> {
  let pending = cache.get(trait);
  if (!pending) {
    pending = api<AudiencePreview>('/api/audiences/preview', {
      method: 'POST',
      body: { definition: { where: { trait, op: 'is_not_null' } }, limit: SAMPLE, traits: [trait] },
    }).then(
      (preview) => {
        const counts = new Map<string, number>();
        for (const row of preview.sample) {
          const value = row[trait];
          if (value === null || value === undefined) continue;
          const text = String(value);
          counts.set(text, (counts.get(text) ?? 0) + 1);
        }
        // Mostly unique values (emails, ids) are not worth suggesting.
        if (counts.size > Math.max(50, preview.sample.length / 3)) return [];
        return [...counts].map(([value, count]) => ({ value, count })).sort((a, b) => b.count - a.count || a.value.localeCompare(b.value)).slice(0, 100);
      },
      (error: unknown) => {
        cache.delete(trait);
        throw error;
      },
    );
    cache.set(trait, pending);
  }
  return pending;
}
