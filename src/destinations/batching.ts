/**
 * Splitting rows into requests that respect a vendor's per-request count and byte limits
 * (Klaviyo bulk import: 10,000 / 5 MB; SendGrid: 30,000 / 6 MB).
 */

/** Groups of at most `maxCount` items whose sizes add up to at most `maxBytes`. */
export function chunkBySize<T extends { bytes: number }>(items: readonly T[], maxCount: number, maxBytes: number): T[][] {
  const chunks: T[][] = [];
  let current: T[] = [];
  let size = 0;
  for (const item of items) {
    if (current.length > 0 && (current.length >= maxCount || size + item.bytes > maxBytes)) {
      chunks.push(current);
      current = [];
      size = 0;
    }
    current.push(item);
    size += item.bytes + 1;
  }
  if (current.length) chunks.push(current);
  return chunks;
}
