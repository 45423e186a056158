/**
 * Every form in which a vendor may echo a secret back (the scrubber's list in src/secrets/scrub.ts):
 * for tests that grep stored or returned text for a secret.
 */
export function secretForms(secret: string): Record<string, string> {
  const json = JSON.stringify(secret).slice(1, -1);
  return {
    raw: secret,
    json,
    doubleJson: JSON.stringify(json).slice(1, -1),
    unicode: [...secret].map((c) => [...c].map((_, i) => `\\u${c.charCodeAt(i).toString(16).padStart(4, '0')}`).join('')).join(''),
    url: encodeURIComponent(secret),
    form: new URLSearchParams({ k: secret }).toString().slice(2),
    base64: Buffer.from(secret).toString('base64').replace(/=+$/, ''),
    base64url: Buffer.from(secret).toString('base64url'),
    hex: Buffer.from(secret).toString('hex'),
    // Inside a longer base64 text (e.g. of a whole echoed header block): the middle of the
    // encoding at each byte alignment, which does not depend on the bytes around the secret.
    ...Object.fromEntries(
      [0, 1, 2].map((shift) => {
        const encoded = Buffer.concat([Buffer.alloc(shift, 0x41), Buffer.from(secret)]).toString('base64');
        return [`base64At${shift}`, encoded.slice(shift + 1, -3)];
      }),
    ),
  };
}

/** The forms of any of `secrets` found in `text` (empty: none), named for the failure message. */
export function secretsIn(text: string, secrets: readonly string[]): string[] {
  const found: string[] = [];
  for (const secret of secrets) {
    for (const [form, encoded] of Object.entries(secretForms(secret))) if (text.includes(encoded)) found.push(`${form} of ${secret.slice(0, 6)}…`);
  }
  return found;
}
