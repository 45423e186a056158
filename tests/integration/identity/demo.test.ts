import { describe, expect, it } from 'vitest';
import { demoAccuracy } from './demo-accuracy.js';

describe('identity accuracy on the demo data', () => {
  it('links 2,000 people with pairwise precision >= 0.99 and no shared-device or junk merges', async () => {
    const accuracy = await demoAccuracy(2000);
    console.log(
      `demo accuracy: ${accuracy.people} people, ${accuracy.records} records, ${accuracy.profiles} profiles, ` +
        `precision ${accuracy.precision.toFixed(4)}, recall ${accuracy.recall.toFixed(4)}, ${accuracy.seconds.toFixed(1)}s`,
    );
    expect(accuracy.precision).toBeGreaterThanOrEqual(0.99);
    expect(accuracy.recall).toBeGreaterThan(0.9);
    expect(accuracy.sharedDeviceMerges).toBe(0);
    expect(accuracy.junkInGraph).toBe(0);
  });
});
