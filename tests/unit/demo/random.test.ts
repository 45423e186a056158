import { describe, expect, it } from 'vitest';
import { fmix32, hash32, IndexScrambler, Rng, scrambleBits, streamFor } from '../../../src/demo/random.js';

describe('Rng', () => {
  it('gives the same sequence for the same seed and another for another seed', () => {
    const draw = (seed: number) => Array.from({ length: 5 }, ((rng) => () => rng.nextUint32())(new Rng(seed)));
    expect(draw(42)).toEqual(draw(42));
    expect(draw(42)).not.toEqual(draw(43));
  });

  it('keeps draws in range and roughly uniform', () => {
    const rng = new Rng(1);
    const counts = [0, 0, 0, 0];
    let outside = 0;
    for (let i = 0; i < 40_000; i++) {
      counts[rng.int(0, 3)]!++;
      const u = rng.next();
      if (!(u >= 0 && u < 1)) outside++;
    }
    expect(outside).toBe(0);
    for (const c of counts) expect(Math.abs(c - 10_000)).toBeLessThan(400);
  });

  it('draws log-normal amounts whose median is exp(mu)', () => {
    const rng = new Rng(3);
    const values = Array.from({ length: 20_001 }, () => rng.logNormal(Math.log(50), 0.75)).sort((a, b) => a - b);
    expect(values[10_000]!).toBeGreaterThan(47);
    expect(values[10_000]!).toBeLessThan(53);
  });

  it('writes exactly n hex digits', () => {
    const rng = new Rng(9);
    for (const n of [1, 3, 8, 12, 22]) expect(rng.hex(n)).toMatch(new RegExp(`^[0-9a-f]{${n}}$`));
  });

  it('gives independent streams per subject and label', () => {
    const a = streamFor(1, 10, 100).nextUint32();
    expect(streamFor(1, 10, 100).nextUint32()).toBe(a);
    expect(streamFor(1, 11, 100).nextUint32()).not.toBe(a);
    expect(streamFor(1, 10, 101).nextUint32()).not.toBe(a);
    expect(streamFor(2, 10, 100).nextUint32()).not.toBe(a);
  });
});

describe('bijections used for unique ids', () => {
  it('IndexScrambler maps [0, n) onto itself without collisions', () => {
    for (const n of [1, 2, 10, 997, 1000, 4096]) {
      const scrambler = new IndexScrambler(n, 5);
      const seen = new Set(Array.from({ length: n }, (_, i) => scrambler.map(i)));
      expect(seen.size).toBe(n);
      expect(Math.max(...seen)).toBe(n - 1);
    }
  });

  it('scrambleBits is a permutation of [0, 2^bits)', () => {
    const bits = 14;
    const seen = new Set<number>();
    for (let i = 0; i < 1 << bits; i++) seen.add(scrambleBits(i, bits, 12345));
    expect(seen.size).toBe(1 << bits);
    expect(Math.max(...seen)).toBe((1 << bits) - 1);
  });

  it('fmix32 does not collide on a range and hash32 depends on every part', () => {
    const seen = new Set(Array.from({ length: 100_000 }, (_, i) => fmix32(i)));
    expect(seen.size).toBe(100_000);
    expect(hash32(1, 2, 3)).not.toBe(hash32(1, 3, 2));
    expect(hash32(2 ** 40 + 1)).not.toBe(hash32(1));
  });
});
