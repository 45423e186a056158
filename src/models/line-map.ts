/**
 * Maps a line of rendered SQL back to the template line it came from. Templating keeps plain SQL
 * lines verbatim, so the longest common subsequence of identical lines anchors the two texts;
 * a rendered line between anchors maps to the template lines between the same anchors.
 */
export function mapRenderedLine(template: string, rendered: string, renderedLine: number): number {
  const t = template.split('\n').map((line) => line.trimEnd());
  const r = rendered.split('\n').map((line) => line.trimEnd());
  const target = Math.min(Math.max(renderedLine, 1), r.length) - 1;
  const anchors = t.length * r.length <= 4_000_000 ? commonLines(t, r) : [];
  let before: [number, number] = [-1, -1];
  let after: [number, number] = [r.length, t.length];
  for (const [ri, ti] of anchors) {
    if (ri === target) return ti + 1;
    if (ri < target) before = [ri, ti];
    else {
      after = [ri, ti];
      break;
    }
  }
  const low = before[1] + 1;
  const high = after[1] - 1;
  if (low > high) return Math.max(before[1], 0) + 1;
  // Between anchors (loops, conditionals, expressions), prefer the template line sharing most words
  // with the rendered one; ties go to the line at the same distance from the previous anchor.
  const guess = Math.min(Math.max(before[1] + (target - before[0]), low), high);
  const words = wordsOf(r[target]!);
  let best = guess;
  let bestScore = 0;
  for (let ti = low; ti <= high; ti++) {
    const candidate = new Set(wordsOf(t[ti]!));
    const score = words.filter((word) => candidate.has(word)).length;
    if (score > bestScore || (score === bestScore && score > 0 && Math.abs(ti - guess) < Math.abs(best - guess))) {
      best = ti;
      bestScore = score;
    }
  }
  return best + 1;
}

function wordsOf(line: string): string[] {
  return line.split(/[^A-Za-z0-9_]+/).filter((word) => word !== '');
}

/** Pairs [renderedIndex, templateIndex] of equal non-blank lines on a longest common subsequence, in order. */
function commonLines(t: readonly string[], r: readonly string[]): Array<[number, number]> {
  const rows = r.length + 1;
  const cols = t.length + 1;
  const table = new Uint32Array(rows * cols);
  for (let i = r.length - 1; i >= 0; i--) {
    for (let j = t.length - 1; j >= 0; j--) {
      table[i * cols + j] =
        r[i] === t[j] && r[i] !== '' ? table[(i + 1) * cols + j + 1]! + 1 : Math.max(table[(i + 1) * cols + j]!, table[i * cols + j + 1]!);
    }
  }
  const pairs: Array<[number, number]> = [];
  let i = 0;
  let j = 0;
  while (i < r.length && j < t.length) {
    if (r[i] === t[j] && r[i] !== '') {
      pairs.push([i, j]);
      i++;
      j++;
    } else if (table[(i + 1) * cols + j]! >= table[i * cols + j + 1]!) i++;
    else j++;
  }
  return pairs;
}
