/** Edit distance between two strings (insertions, deletions, substitutions each cost 1). */
export function editDistance(a: string, b: string): number {
  let previous = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const current = [i];
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      current[j] = Math.min(previous[j]! + 1, current[j - 1]! + 1, previous[j - 1]! + cost);
    }
    previous = current;
  }
  return previous[b.length]!;
}

/**
 * The candidate closest to `name` (edit distance, case-insensitive), when it is close enough to be
 * a plausible typo; `maxDistance: Infinity` returns the nearest whatever the distance.
 */
export function closestName(name: string, candidates: Iterable<string>, options: { maxDistance?: number } = {}): string | undefined {
  let best: string | undefined;
  let bestDistance = Infinity;
  for (const candidate of candidates) {
    const distance = editDistance(name.toLowerCase(), candidate.toLowerCase());
    if (distance < bestDistance) {
      best = candidate;
      bestDistance = distance;
    }
  }
  const tolerance = options.maxDistance ?? Math.max(2, Math.floor(name.length / 3));
  return bestDistance <= tolerance ? best : undefined;
}

/** ` — did you mean 'x'?`-style hint text, or a fallback. */
export function didYouMean(name: string, candidates: Iterable<string>, fallback: string): string {
  const close = closestName(name, candidates);
  return close ? `did you mean '${close}'?` : fallback;
}
