/**
 * The one secret scrubber. Every error text that is stored (state store, the warehouse's per-row
 * sync log, run history) or shown (API, UI, log lines) passes `scrubSecretText`, which removes
 * every secret the process has revealed, in every encoding a vendor may echo it in:
 *
 * - raw, and JSON-escaped (`\"`, `\\`, `\/`, `\n`...), at any depth of escaping;
 * - unicode-escaped (`\u0061`, also only some characters, also `\\u0061`), `\x61`;
 * - URL-encoded (`%61`, `+` for a space, UTF-8 bytes), HTML entities (`&#97;`, `&#x61;`, `&amp;`);
 * - base64 and base64url, also inside a longer base64 text (e.g. `Basic base64(user:secret)`), at
 *   each of the three byte alignments;
 * - hex.
 *
 * Secrets are remembered when they are revealed (`{env}` resolution, the encrypted store), so the
 * logger and every store can scrub without being handed the run's secrets. This module imports
 * nothing: the logger may use it.
 */

export const REDACTED_SECRET = '[redacted]';
/** Shorter values are not treated as secrets: redacting them would blank ordinary words (a test token "revoked"). */
export const MIN_SECRET_LENGTH = 8;
/** The most secrets remembered; the oldest are forgotten first (a process reveals a handful). */
const MAX_REMEMBERED = 1_000;

const escapeRegex = (text: string): string => text.replace(/[.*+?^${}()|[\]\\/-]/g, '\\$&');
const hex2 = (n: number): string => n.toString(16).padStart(2, '0');

/** Alternatives matching one UTF-16 code unit (or code point) of a secret in every text encoding. */
function charPattern(char: string): string {
  const code = char.codePointAt(0)!;
  const alternatives = new Set<string>();
  // Raw, possibly preceded by escaping backslashes (a `"` in JSON in JSON is `\\\"`).
  alternatives.add(`(?:\\\\*${escapeRegex(char)})`);
  // \uXXXX for each UTF-16 unit, with any number of backslashes, any hex case.
  const units = [...char].flatMap((c) => Array.from({ length: c.length }, (_, i) => c.charCodeAt(i)));
  alternatives.add(units.map((u) => `\\\\+u${caseless(u.toString(16).padStart(4, '0'))}`).join(''));
  if (code < 0x100) alternatives.add(`\\\\+x${caseless(hex2(code))}`);
  // URL encoding of the UTF-8 bytes; `+` for a space in forms.
  const bytes = [...Buffer.from(char, 'utf8')];
  alternatives.add(bytes.map((b) => `%(?:25)*${caseless(hex2(b))}`).join(''));
  if (char === ' ') alternatives.add('\\+');
  // HTML entities.
  alternatives.add(`&#0*${code};`);
  alternatives.add(`&#[xX]0*${caseless(code.toString(16))};`);
  const named: Record<string, string> = { '&': 'amp', '<': 'lt', '>': 'gt', '"': 'quot', "'": 'apos' };
  if (named[char]) alternatives.add(`&${named[char]};`);
  // JSON short escapes of control characters.
  const short: Record<string, string> = { '\n': 'n', '\r': 'r', '\t': 't', '\b': 'b', '\f': 'f' };
  if (short[char]) alternatives.add(`\\\\+${short[char]}`);
  return `(?:${[...alternatives].join('|')})`;
}

function caseless(hex: string): string {
  return [...hex].map((c) => (/[a-f]/.test(c) ? `[${c}${c.toUpperCase()}]` : c)).join('');
}

/**
 * The base64 (and base64url) texts that appear inside any base64 encoding of a longer byte string
 * containing the secret: for each of the three alignments, the characters that depend only on the
 * secret's bytes.
 */
function base64Cores(secret: string): string[] {
  const bytes = Buffer.from(secret, 'utf8');
  const cores = new Set<string>();
  for (let shift = 0; shift < 3; shift++) {
    const padded = Buffer.concat([Buffer.alloc(shift), bytes]);
    const encoded = padded.toString('base64').replace(/=+$/, '');
    // Characters covering the leading pad bytes mix in unknown bits; so does the last character
    // unless the secret ends on a 3-byte boundary.
    const start = Math.ceil((shift * 8) / 6);
    const total = padded.length * 8;
    const end = total % 6 === 0 ? encoded.length : Math.floor(total / 6);
    const core = encoded.slice(start, end);
    if (core.length >= 4) {
      cores.add(core);
      cores.add(core.replace(/\+/g, '-').replace(/\//g, '_'));
    }
  }
  return [...cores];
}

/** One regular expression matching a secret in any of the encodings above. */
export function secretPattern(secret: string): string {
  const textual = [...secret].map(charPattern).join('');
  const hex = Buffer.from(secret, 'utf8').toString('hex');
  const alternatives = [textual, ...base64Cores(secret).map(escapeRegex), caseless(hex)];
  return alternatives.join('|');
}

/** Scrubs a fixed set of secrets (plus nothing else); build once per run, use for every text. */
export class SecretScrubber {
  private readonly secrets = new Set<string>();
  private pattern: RegExp | null = null;

  constructor(secrets: Iterable<string> = []) {
    for (const secret of secrets) this.add(secret);
  }

  add(secret: string): void {
    if (secret.length < MIN_SECRET_LENGTH || this.secrets.has(secret)) return;
    this.secrets.add(secret);
    if (this.secrets.size > MAX_REMEMBERED) this.secrets.delete(this.secrets.values().next().value!);
    this.pattern = null;
  }

  get size(): number {
    return this.secrets.size;
  }

  scrub(text: string): string {
    if (this.secrets.size === 0 || text.length < MIN_SECRET_LENGTH) return text;
    // Longest first, so a secret containing another is removed whole.
    this.pattern ??= new RegExp([...this.secrets].sort((a, b) => b.length - a.length).map(secretPattern).join('|'), 'g');
    this.pattern.lastIndex = 0;
    return text.replace(this.pattern, REDACTED_SECRET);
  }
}

/** Every secret this process has revealed (resolved from the environment or the encrypted store). */
const revealed = new SecretScrubber();

/** Records a secret value as it is revealed, so every later text is scrubbed of it. */
export function rememberSecret(value: string): string {
  revealed.add(value);
  return value;
}

/** A text with every revealed secret (and any `extra` ones) removed, in all encodings. */
export function scrubSecretText(text: string, extra: readonly string[] = []): string {
  const scrubbed = revealed.scrub(text);
  return extra.length ? new SecretScrubber(extra).scrub(scrubbed) : scrubbed;
}

/** At most this many characters of a vendor's answer are kept in a stored or returned error. */
export const MAX_EXCERPT = 300;

/**
 * A vendor text safe to store or show: scrubbed first (a cut must not leave half a secret behind),
 * whitespace folded, then cut to a bounded excerpt.
 */
export function safeExcerpt(text: string, max = MAX_EXCERPT): string {
  const folded = scrubSecretText(text).replace(/\s+/g, ' ').trim();
  return folded.length > max ? `${folded.slice(0, max)}…` : folded;
}
