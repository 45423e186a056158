import { useEffect, useState } from 'react';
import { api, isAbort } from '../lib/api';
import type { AudiencePreview, AudienceSplits, Condition } from '../lib/types';

export interface LiveCount {
  /** The latest answer (kept while a newer one is on its way). */
  preview: AudiencePreview | undefined;
  /** The `where` the preview is for (to tell whether it is current). */
  forKey: string | undefined;
  loading: boolean;
  error: unknown;
}

const DEBOUNCE_MS = 400;
export const SAMPLE_SIZE = 20;

/**
 * Counts a draft definition as it changes: waits until the user pauses typing, cancels a count
 * that a newer change made stale, and keeps showing the last count meanwhile. With profile
 * access it asks for the preview (count, per-condition funnel, sample); without, the count only.
 */
export function useLiveCount(where: Condition | null, withPreview: boolean, splits?: AudienceSplits, name?: string): LiveCount {
  // The key is the `where` alone (what counts depend on); splits only add the sample's split column.
  const key = where ? JSON.stringify(where) : undefined;
  // Without its own salt a split hashes with the audience's name: the sample shows the groups saving will give.
  const splitsKey = splits ? JSON.stringify({ splits, ...(name && !splits.salt ? { name } : {}) }) : '';
  const [state, setState] = useState<LiveCount>({ preview: undefined, forKey: undefined, loading: false, error: undefined });

  useEffect(() => {
    if (!key) return;
    const controller = new AbortController();
    setState((s) => ({ ...s, loading: true }));
    const timer = window.setTimeout(() => {
      const definition = { where: JSON.parse(key) as Condition, ...(splitsKey ? (JSON.parse(splitsKey) as { splits: AudienceSplits; name?: string }) : {}) };
      const request: Promise<AudiencePreview> = withPreview
        ? api<AudiencePreview>('/api/audiences/preview', { method: 'POST', body: { definition, limit: SAMPLE_SIZE }, signal: controller.signal })
        : api<{ count: number; milliseconds: number }>('/api/audiences/count', { method: 'POST', body: { definition }, signal: controller.signal }).then((r) => ({
            count: r.count,
            total: 0,
            steps: [],
            columns: [],
            sample: [],
            milliseconds: r.milliseconds,
            piiMasked: false,
          }));
      request.then(
        (preview) => setState({ preview, forKey: key, loading: false, error: undefined }),
        (error: unknown) => {
          if (isAbort(error)) return;
          // An invalid draft has no count: the last one (of another draft) must not stay on screen.
          setState({ preview: undefined, forKey: key, loading: false, error });
        },
      );
    }, DEBOUNCE_MS);
    return () => {
      window.clearTimeout(timer);
      controller.abort();
    };
  }, [key, splitsKey, withPreview]);

  return state;
}
