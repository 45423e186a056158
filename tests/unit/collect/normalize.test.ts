/** Segment-spec validation and timestamp correction (https://segment.com/docs/connections/spec/common/#timestamps). */
import { describe, expect, it } from 'vitest';
import { correctedTimestamp, normalizeBatch, normalizeMessage } from '../../../src/collect/normalize.js';

const received = { source: 'web', receivedAt: new Date('2026-01-01T12:00:10.000Z') };

describe('normalize', () => {
  it('corrects the client clock: timestamp = receivedAt − (sentAt − originalTimestamp)', () => {
    const original = new Date('2026-01-01T13:00:00.000Z'); // client clock one hour fast
    const sentAt = new Date('2026-01-01T13:00:04.000Z');
    expect(correctedTimestamp(original, sentAt, received.receivedAt).toISOString()).toBe('2026-01-01T12:00:06.000Z');
    expect(correctedTimestamp(original, null, received.receivedAt)).toEqual(original);
    expect(correctedTimestamp(null, sentAt, received.receivedAt)).toEqual(received.receivedAt);
  });

  it('RudderStack’s originalTimestamp is the client time; numeric ids become text', () => {
    const { event } = normalizeMessage(
      { userId: 42, event: 'E', originalTimestamp: '2026-01-01T11:59:00.000Z', sentAt: '2026-01-01T11:59:30.000Z', messageId: 'm1' },
      'track',
      'body',
      received,
    );
    expect(event).toMatchObject({ user_id: '42', timestamp: '2026-01-01T11:59:40.000Z', sent_at: '2026-01-01T11:59:30.000Z', message_id: 'm1' });
  });

  it('a batch’s context is merged under each message’s own; its sentAt applies', () => {
    const [one] = normalizeBatch({ sentAt: '2026-01-01T12:00:00.000Z', context: { a: 1, b: 1 }, batch: [{ type: 'identify', anonymousId: 'x', context: { b: 2 } }] }, received);
    expect(one!.event).toMatchObject({ type: 'identify', context: { a: 1, b: 2 }, sent_at: '2026-01-01T12:00:00.000Z' });
    expect(one!.event.message_id).toMatch(/^cdp-[0-9a-f-]{36}$/);
  });

  it('refuses what Segment refuses, naming the field', () => {
    const bad = (message: unknown, type: 'track' | 'group' | 'alias' | null = null) => {
      try {
        normalizeMessage(message, type, 'm', received);
      } catch (error) {
        return (error as { path: string }).path;
      }
      return 'accepted';
    };
    expect(bad({ type: 'track', event: 'E' })).toBe('m');
    expect(bad({ userId: 'u' }, 'track')).toBe('m.event');
    expect(bad({ userId: 'u' }, 'group')).toBe('m.groupId');
    expect(bad({ userId: 'u' }, 'alias')).toBe('m');
    expect(bad({ userId: 'u', event: 'E', properties: [1] }, 'track')).toBe('m.properties');
    expect(bad({ userId: 'u', event: 'E', properties: { s: 'nul\u0000' } }, 'track')).toBe('m');
    expect(bad({ userId: 'u', event: 'E' }, 'track')).toBe('accepted');
  });
});
