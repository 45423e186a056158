export interface ComboOption {
  value: string;
  label?: string;
  /** Shown dimmed at the right (a column's type, a count). */
  hint?: string;
  /** One line under the label (a trait's description from the config). */
  description?: string;
}

const MAX_SHOWN = 60;

/** How well an option matches typed text: lower is better; null is no match. */
function matchRank(option: ComboOption, needle: string): number | null {
  const texts = [option.label ?? option.value, option.value].map((t) => t.toLowerCase());
  if (texts.some((t) => t === needle)) return 0;
  if (texts.some((t) => t.startsWith(needle))) return 1;
  // A word of the name starts with it ("open" → email_open, app_open): a match, never an exact one.
  if (texts.some((t) => t.split(/[^a-z0-9]+/).some((word) => word.startsWith(needle)))) return 2;
  if (texts.some((t) => t.includes(needle))) return 3;
  return null;
}

/**
 * Options matching the typed text, best first, and which one Enter may take without asking: only
 * an exact match, a single match, or a single prefix match. "open" with app_open and email_open
 * highlights nothing, so Enter never silently takes one of two equally good names.
 */
export function rankOptions(options: readonly ComboOption[], typed: string, max = MAX_SHOWN): { shown: ComboOption[]; sure: number } {
  const needle = typed.trim().toLowerCase();
  if (!needle) return { shown: options.slice(0, max), sure: -1 };
  const ranked = options
    .map((o, i) => ({ o, i, r: matchRank(o, needle) }))
    .filter((x): x is { o: ComboOption; i: number; r: number } => x.r !== null)
    .sort((a, b) => a.r - b.r || a.i - b.i);
  const shown = ranked.slice(0, max).map((x) => x.o);
  const first = ranked[0];
  if (!first) return { shown, sure: -1 };
  const prefixes = ranked.filter((x) => x.r <= 1).length;
  const sure = first.r === 0 || ranked.length === 1 || (first.r === 1 && prefixes === 1) ? 0 : -1;
  return { shown, sure };
}

