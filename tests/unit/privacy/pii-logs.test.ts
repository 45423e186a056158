import { Writable } from 'node:stream';
import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import { parseConfig } from '../../../src/config/index.js';
import { REDACTED, redactedPiiKeys, redactingOptions } from '../../../src/logger.js';
import { Project } from '../../../src/project/index.js';

/** A logger built exactly like the global one, writing into `lines`. */
function capture() {
  const lines: string[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _encoding, done) {
      lines.push(...chunk.toString('utf8').split('\n').filter(Boolean));
      done();
    },
  });
  return { log: pino(redactingOptions({ level: 'trace' }), stream), lines };
}

describe('PII never reaches the logs', () => {
  it('redacts email/phone keys at any depth, and emails/phones in messages and errors', () => {
    const { log, lines } = capture();
    log.info({ email: 'alice@example.com', row: { Phone: '+14155550100', fields: { EMAIL: 'bob@example.com' } }, count: 3 }, 'sent');
    log.warn('could not send to carol@example.com');
    log.error({ err: new Error('duplicate key value (email)=(dave@example.com)') }, 'insert failed');
    log.error(new Error('vendor said +44 20 7946 1000 is invalid'));
    log.info({ token: 'secret-token-value' }, 'auth');
    const text = lines.join('\n');
    for (const raw of ['alice@example.com', 'bob@example.com', 'carol@example.com', 'dave@example.com', '+14155550100', '7946 1000', 'secret-token-value']) expect(text).not.toContain(raw);
    const first = JSON.parse(lines[0]!) as Record<string, unknown>;
    expect(first).toMatchObject({ email: REDACTED, row: { Phone: REDACTED, fields: { EMAIL: REDACTED } }, count: 3, msg: 'sent' });
    const third = JSON.parse(lines[2]!) as { err: { message: string; stack: string } };
    expect(third.err.message).toBe('duplicate key value (email)=(d•••@e•••.com)');
    expect(third.err.stack).toContain('d•••@e•••.com');
  });

  it('child loggers (destination and sync-run loggers) redact too, bindings included', () => {
    const { log, lines } = capture();
    const child = log.child({ sync: 's1', email: 'eve@example.com' });
    child.info({ reason: 'rejected eve@example.com' }, 'row rejected');
    expect(lines.join('\n')).not.toContain('eve@example.com');
    expect(JSON.parse(lines[0]!)).toMatchObject({ sync: 's1', email: REDACTED, reason: 'rejected e•••@e•••.com' });
  });

  it('the configured privacy.pii names are redacted once a project with them is loaded, also on loggers made before', () => {
    const { log, lines } = capture();
    const before = log.child({ component: 'early' });
    expect(redactedPiiKeys()).not.toContain('loyalty_card');
    new Project('/tmp/none', '/tmp/none/cdp.config.ts', parseConfig({ warehouse: { type: 'duckdb', path: ':memory:' }, privacy: { pii: ['Loyalty_Card', 'last_name'] } }));
    expect(redactedPiiKeys()).toEqual(expect.arrayContaining(['email', 'phone', 'loyalty_card', 'last_name']));
    before.info({ row: { LOYALTY_CARD: 'LC-99812', last_name: 'Smith', country: 'DE' } }, 'row');
    expect(lines.join('\n')).not.toContain('LC-99812');
    expect(lines.join('\n')).not.toContain('Smith');
    expect(JSON.parse(lines[0]!)).toMatchObject({ row: { LOYALTY_CARD: REDACTED, last_name: REDACTED, country: 'DE' } });
  });

  it('the global logger (and its children) run the same redaction on every call', async () => {
    const { logger } = await import('../../../src/logger.js');
    // The formatter pino calls for each line of the global logger and of children made from it.
    const formatters = (logger.child({ sync: 's' }) as unknown as Record<symbol, { log(o: object): Record<string, unknown> }>)[pino.symbols.formattersSym]!;
    expect(formatters.log({ email: 'x@y.com', note: 'call +14155550100' })).toEqual({ email: REDACTED, note: 'call •••00' });
  });
});
