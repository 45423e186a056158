/**
 * Issue 14, finding 7: ten wrong passwords from anyone locked the real user out for 15 minutes; a
 * forged X-Forwarded-For defeated the per-address limit behind --trust-proxy; the per-email map
 * was cleared wholesale past 10,000 entries.
 */
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LoginThrottle } from '../../../src/server/services/login-throttle.js';
import { tempProject, testApp, type TestApp } from './helpers.js';

const wrong = (i: number) => ({ email: 'editor@example.com', password: `wrong-guess-${i}` });
const right = { email: 'editor@example.com', password: 'password-editor' };

describe('sign-in throttling over HTTP', () => {
  describe('behind one trusted proxy (--trust-proxy: one hop)', () => {
    const { project, cleanup } = tempProject();
    let t: TestApp;
    beforeAll(async () => {
      t = await testApp(project, { trustProxy: true });
    });
    afterAll(cleanup);

    /** As the proxy sends it: what the client wrote, then the address the proxy saw. */
    const via = (client: string, forged?: string) => ({ 'X-Forwarded-For': forged ? `${forged}, ${client}` : client });

    it("someone else's failures do not lock the user out at their own address", async () => {
      let last: request.Response | undefined;
      for (let i = 0; i < 12; i++) last = await request(t.app).post('/api/auth/login').set(via('203.0.113.66')).send(wrong(i));
      expect(last!.status).toBe(429);
      expect(Number(last!.headers['retry-after'])).toBeGreaterThan(0);
      // The attacker, even with the right password, waits.
      expect((await request(t.app).post('/api/auth/login').set(via('203.0.113.66')).send(right)).status).toBe(429);
      // The real user, from their own address, signs in at once.
      const user = await request(t.app).post('/api/auth/login').set(via('198.51.100.7')).send(right);
      expect(user.status).toBe(200);
      expect(user.body.user.email).toBe('editor@example.com');
    });

    it('a forged X-Forwarded-For does not give a fresh address: the hop the proxy added counts', async () => {
      let last: request.Response | undefined;
      for (let i = 0; i < 8; i++) last = await request(t.app).post('/api/auth/login').set(via('203.0.113.99', `10.0.${i}.1`)).send({ ...wrong(i), email: 'viewer@example.com' });
      expect(last!.status).toBe(429);
    });
  });

  describe('without --trust-proxy', () => {
    const { project, cleanup } = tempProject();
    let t: TestApp;
    beforeAll(async () => {
      t = await testApp(project);
    });
    afterAll(cleanup);

    it('X-Forwarded-For is ignored: changing it per attempt does not escape the delay', async () => {
      let last: request.Response | undefined;
      for (let i = 0; i < 8; i++) last = await request(t.app).post('/api/auth/login').set('X-Forwarded-For', `192.0.2.${i}`).send(wrong(i));
      expect(last!.status).toBe(429);
    });
  });
});

describe('LoginThrottle', () => {
  it('delays progressively after the free failures, doubling up to the cap', () => {
    const throttle = new LoginThrottle({ freeFailures: 3, baseDelayMs: 1000, maxDelayMs: 8000 });
    const t0 = 1_000_000;
    for (let i = 0; i < 3; i++) throttle.fail('k', t0);
    expect(throttle.waitFor('k', t0)).toBe(0);
    const waits: number[] = [];
    let now = t0;
    for (let i = 0; i < 6; i++) {
      throttle.fail('k', now);
      waits.push(throttle.waitFor('k', now));
      now += waits[i]! * 1000;
      expect(throttle.waitFor('k', now)).toBe(0);
    }
    expect(waits).toEqual([1, 2, 4, 8, 8, 8]);
    throttle.succeed('k');
    expect(throttle.waitFor('k', now)).toBe(0);
  });

  it('forgets a key an hour after its last failure', () => {
    const throttle = new LoginThrottle({ freeFailures: 0, forgetAfterMs: 3_600_000, maxDelayMs: 60_000 });
    throttle.fail('k', 0);
    expect(throttle.waitFor('k', 0)).toBe(1);
    expect(throttle.waitFor('k', 3_600_000)).toBe(0);
    expect(throttle.size).toBe(0);
  });

  it('memory is bounded by evicting the least recently failed key, never by a wholesale reset', () => {
    const throttle = new LoginThrottle({ freeFailures: 0, maxEntries: 1_000 });
    const now = 5_000;
    throttle.fail('victim-attacker', now);
    throttle.fail('victim-attacker', now);
    for (let i = 0; i < 998; i++) throttle.fail(`flood-${i}`, now);
    expect(throttle.size).toBe(999);
    // A recent failure keeps the watched key at the end of the order.
    throttle.fail('victim-attacker', now);
    for (let i = 998; i < 1_500; i++) throttle.fail(`flood-${i}`, now);
    expect(throttle.size).toBe(1_000);
    expect(throttle.waitFor('victim-attacker', now)).toBeGreaterThan(0);
    expect(throttle.waitFor('flood-0', now)).toBe(0); // the oldest went first
    expect(throttle.waitFor('flood-1499', now)).toBeGreaterThan(0);
  });
});
