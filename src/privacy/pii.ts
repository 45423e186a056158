import { maskValue } from '../util/mask.js';

/**
 * PII tags: which names are personal data (`config.privacy.pii`: trait/column names and identifier
 * types). How a tagged value is masked is src/util/mask.ts.
 */

/** The PII tags of a project: names compared case-insensitively (`EMAIL` and `email` are one name). */
export class PiiTags {
  private readonly tagged: ReadonlySet<string>;

  constructor(names: readonly string[]) {
    this.tagged = new Set(names.map((name) => name.trim().toLowerCase()).filter(Boolean));
  }

  /** From a project config (`privacy.pii`). */
  static of(config: { privacy?: { pii?: readonly string[] } }): PiiTags {
    return new PiiTags(config.privacy?.pii ?? []);
  }

  get names(): string[] {
    return [...this.tagged];
  }

  isPii(name: string): boolean {
    return this.tagged.has(name.trim().toLowerCase());
  }

  /** A row (traits, sample row, event properties) with the values of PII-tagged keys masked. */
  maskRow<T extends Record<string, unknown>>(row: T): T {
    const out: Record<string, unknown> = {};
    for (const [key, value] of Object.entries(row)) out[key] = this.isPii(key) ? maskValue(value, key) : value;
    return out as T;
  }

  /** An identifier value, masked when its id type is tagged. */
  maskIdentifier(idType: string, value: string): string {
    return this.isPii(idType) ? String(maskValue(value, idType)) : value;
  }
}

/**
 * How a service shapes personal data for its caller: `mask` is true for principals without the
 * `pii:read` permission. Services know this flag, never HTTP.
 */
export interface PiiView {
  mask: boolean;
}

export const UNMASKED: PiiView = { mask: false };
