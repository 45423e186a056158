/**
 * Seeded randomness for the demo generator. Everything the generator draws comes from here, so a
 * seed (plus a reference date) fixes every row. sfc32 is small, fast and passes PractRand; each
 * person and table gets its own stream, derived by hashing (seed, person, stream), so one
 * person's rows never depend on how many rows another person drew.
 */

/** Murmur3's 32-bit finaliser: a bijection on uint32 with good avalanche. */
export function fmix32(value: number): number {
  let h = value >>> 0;
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

/** Combines up to three integers (seeds up to 2^53) into one well-mixed uint32 (order matters). */
export function hash32(a: number, b = 0, c = 0): number {
  let h = mixIn(0x9e3779b9, a);
  h = mixIn(h, b);
  h = mixIn(h, c);
  return fmix32(h);
}

function mixIn(h: number, part: number): number {
  // Numbers above 2^32 are split so large seeds still mix every bit.
  const high = part > 0xffffffff ? Math.floor(part / 0x1_0000_0000) >>> 0 : 0;
  h = (fmix32(h ^ (part >>> 0)) + 0x7f4a7c15) >>> 0;
  return high ? (fmix32(h ^ high) + 0x6a09e667) >>> 0 : h;
}

/** A stable 32-bit code for a short label (stream names, table names). */
export function labelCode(label: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < label.length; i++) {
    h ^= label.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
}

export class Rng {
  private a: number;
  private b: number;
  private c: number;
  private d: number;

  constructor(seed: number) {
    // Spread the seed over all four words, then warm up: nearby seeds diverge before the first draw.
    this.a = fmix32(seed ^ 0x9e3779b9);
    this.b = fmix32(seed ^ 0x243f6a88);
    this.c = fmix32(seed ^ 0xb7e15162);
    this.d = 1;
    for (let i = 0; i < 8; i++) this.nextUint32();
  }

  /** A uniform uint32. */
  nextUint32(): number {
    const t = (((this.a + this.b) >>> 0) + this.d) >>> 0;
    this.d = (this.d + 1) >>> 0;
    this.a = this.b ^ (this.b >>> 9);
    this.b = (this.c + (this.c << 3)) >>> 0;
    this.c = ((this.c << 21) | (this.c >>> 11)) >>> 0;
    this.c = (this.c + t) >>> 0;
    return t;
  }

  /** Uniform in [0, 1). */
  next(): number {
    return this.nextUint32() / 0x1_0000_0000;
  }

  /** Uniform integer in [min, max] (inclusive). */
  int(min: number, max: number): number {
    return min + Math.floor(this.next() * (max - min + 1));
  }

  /** True with probability p. */
  chance(p: number): boolean {
    return this.next() < p;
  }

  pick<T>(items: readonly T[]): T {
    return items[Math.floor(this.next() * items.length)]!;
  }

  /** Picks by weight; `weights` parallel to `items`. */
  weighted<T>(items: readonly T[], weights: readonly number[]): T {
    let total = 0;
    for (const w of weights) total += w;
    let r = this.next() * total;
    for (let i = 0; i < items.length; i++) {
      r -= weights[i]!;
      if (r < 0) return items[i]!;
    }
    return items[items.length - 1]!;
  }

  /** Standard normal (Box-Muller). */
  normal(): number {
    const u = 1 - this.next();
    const v = this.next();
    return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v);
  }

  /** exp(N(mu, sigma)): amounts and activity levels (most small, a few large). */
  logNormal(mu: number, sigma: number): number {
    return Math.exp(mu + sigma * this.normal());
  }

  /** Exponential with the given mean: gaps between events. */
  exponential(mean: number): number {
    return -Math.log(1 - this.next()) * mean;
  }

  /** Number of failures before the first success: counts with a long tail. */
  geometric(p: number): number {
    return Math.floor(Math.log(1 - this.next()) / Math.log(1 - p));
  }

  /** Poisson (Knuth for small means, normal approximation above 30). */
  poisson(mean: number): number {
    if (mean > 30) return Math.max(0, Math.round(mean + Math.sqrt(mean) * this.normal()));
    const limit = Math.exp(-mean);
    let k = 0;
    let p = this.next();
    while (p > limit) {
      k++;
      p *= this.next();
    }
    return k;
  }

  /** `n` random lower-case hex digits. */
  hex(n: number): string {
    let out = '';
    let word = 0;
    for (let i = 0; i < n; i++) {
      if ((i & 7) === 0) word = this.nextUint32();
      out += HEX_DIGITS[word & 15];
      word >>>= 4;
    }
    return out;
  }
}

const HEX_DIGITS = '0123456789abcdef';
const HEX_BYTES = Array.from({ length: 256 }, (_, i) => i.toString(16).padStart(2, '0'));

/** A uint32 as exactly 8 lower-case hex digits (hot path of id generation). */
export function hex8(value: number): string {
  return HEX_BYTES[value >>> 24]! + HEX_BYTES[(value >>> 16) & 255]! + HEX_BYTES[(value >>> 8) & 255]! + HEX_BYTES[value & 255]!;
}

/** The low 16 bits as exactly 4 hex digits. */
export function hex4(value: number): string {
  return HEX_BYTES[(value >>> 8) & 255]! + HEX_BYTES[value & 255]!;
}

/** The independent stream of one (seed, subject, stream) triple; `stream` is a labelCode. */
export function streamFor(seed: number, subject: number, stream: number): Rng {
  return new Rng(hash32(seed, subject, stream));
}

/**
 * A bijection on [0, n): spreads consecutive indexes over the range so derived values (email
 * numbers, phone numbers) look random yet never collide.
 */
export class IndexScrambler {
  private readonly multiplier: number;
  private readonly offset: number;

  constructor(
    private readonly n: number,
    seed: number,
  ) {
    // Near n/golden-ratio, so neighbours land far apart; any value coprime with n is a bijection.
    let multiplier = Math.max(1, Math.round(n * 0.6180339887));
    while (n > 1 && gcd(multiplier, n) !== 1) multiplier++;
    this.multiplier = multiplier % Math.max(n, 1);
    this.offset = hash32(seed, 0x5eed) % Math.max(n, 1);
  }

  map(index: number): number {
    // index * multiplier < 2^53 for n up to ~9e9: exact in doubles.
    return (index * this.multiplier + this.offset) % this.n;
  }
}

/** A bijection on [0, 2^bits) keyed by a seed (bits <= 31): for identifiers with a fixed width. */
export function scrambleBits(value: number, bits: number, key: number): number {
  const mask = bits >= 32 ? 0xffffffff : (1 << bits) - 1;
  let x = (value ^ key) & mask;
  x = Math.imul(x, 0x2545f491) & mask; // odd multiplier: bijective modulo 2^bits
  x ^= x >>> Math.ceil(bits / 2);
  x = Math.imul(x, 0x9e3779b1) & mask;
  x ^= x >>> Math.ceil(bits / 3);
  return x >>> 0;
}

function gcd(a: number, b: number): number {
  while (b) [a, b] = [b, a % b];
  return a;
}
