import { createContext, useContext, useMemo } from 'react';
import type { ComboOption } from '../components/Combobox';
import type { AudienceCatalog } from '../lib/types';
import type { Kinds } from './model';

/** What every row of the editor needs; passed once through context instead of through each level. */
export interface EditorEnv {
  catalog: AudienceCatalog;
  kinds: Kinds;
  /** Audiences a condition may refer to (this one excluded). */
  audiences: string[];
  readOnly: boolean;
  /** Members left after each condition of the root (by node id), when the root matches all. */
  steps: ReadonlyMap<string, number>;
  /** Whether `steps` is for the current tree (false while a count is on its way). */
  stepsFresh: boolean;
  /** The server's refusal of the current draft, shown at the condition it is about. */
  errorAt?: { id: string; message: string; hint?: string };
}

export const Env = createContext<EditorEnv | null>(null);
export const useEnv = (): EditorEnv => useContext(Env)!;

/** Events for a picker: the name, and where it comes from with how many properties it carries. */
export function useEventOptions(): ComboOption[] {
  const env = useEnv();
  return useMemo(
    () =>
      env.catalog.events.map((e) => ({
        value: e.name,
        hint: 'event',
        description: `from ${e.sources.join(', ')} · ${e.properties.length} propert${e.properties.length === 1 ? 'y' : 'ies'}`,
      })),
    [env.catalog],
  );
}
