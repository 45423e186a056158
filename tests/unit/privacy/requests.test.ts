import { describe, expect, it } from 'vitest';
import { parseConfig } from '../../../src/config/index.js';
import { identifierMasker } from '../../../src/privacy/requests/forget.js';
import { candidateKeys, keyMatchSql } from '../../../src/privacy/requests/keys.js';
import { checkIdType, sha256Hex, suppressionFilterProvider } from '../../../src/privacy/requests/index.js';
import type { Subject } from '../../../src/privacy/requests/subject.js';
import { Project } from '../../../src/project/index.js';
import { prepareSyncObject } from '../../../src/syncs/index.js';
import { getDialect } from '../../../src/warehouse/index.js';

const subject: Subject = {
  idType: 'email',
  input: ' Ann@Example.com ',
  normalized: 'ann@example.com',
  valueSha256: sha256Hex('ann@example.com'),
  profileIds: ['0123456789abcdef'],
  formerProfileIds: ['fedcba9876543210'],
  derivedProfileIds: [sha256Hex('email:ann@example.com').slice(0, 16)],
  identifiers: [
    { idType: 'email', value: 'ann@example.com' },
    { idType: 'phone', value: '+14155550100' },
  ],
  nodes: [1n, 2n],
  seenWith: [],
};

describe('privacy request helpers', () => {
  it('sync keys: profile ids (current, earlier, derived) and identifier values, trimmed and lower-cased', () => {
    expect(candidateKeys(subject)).toEqual(['0123456789abcdef', 'fedcba9876543210', sha256Hex('email:ann@example.com').slice(0, 16), 'ann@example.com', '+14155550100']);
    expect(keyMatchSql(getDialect('postgres'), 's.sync_key', ["o'brien@x.com"])).toBe("LOWER(TRIM(s.sync_key)) IN ('o''brien@x.com')");
  });

  it('masks the person’s identifiers and any email in vendor text', () => {
    const mask = identifierMasker(subject);
    expect(mask('no user +14155550100 / ann@example.com / other@x.org')).toBe('no user <identifier> / <identifier> / <email>');
  });


  it('an unknown id type is refused with a did-you-mean hint', () => {
    const project = new Project('/tmp', 'cdp.config.ts', parseConfig({
      warehouse: { type: 'duckdb', path: ':memory:' },
      identity: { sources: [{ name: 's', relation: 'raw.s', key: 'id', timestamp: 'ts', ids: { email: 'email' } }], idTypes: { email: { priority: 1, normalize: 'email' }, phone: { priority: 2 } } },
    }));
    expect(() => checkIdType(project, 'email')).not.toThrow();
    expect(() => checkIdType(project, 'phnoe')).toThrow(expect.objectContaining({ code: 'INVALID_INPUT', hint: "did you mean 'phone'?" }));
  });

  it('the sync filter checks the key and mapped identifier columns of model syncs only', async () => {
    const project = new Project('/tmp', 'cdp.config.ts', parseConfig({
      warehouse: { type: 'duckdb', path: ':memory:' },
      identity: { sources: [{ name: 's', relation: 'raw.s', key: 'id', timestamp: 'ts', ids: { email: 'email' } }], idTypes: { email: { priority: 1, normalize: 'email' } } },
    }));
    const warehouse = await project.warehouse();
    try {
      const sync = prepareSyncObject({ name: 'x', from: { model: 'raw.people' }, key: 'id', destination: { type: 'webhook', config: { url: 'http://localhost:1/hook' } }, mode: 'upsert', fields: { email: 'contact_email', score: 'score' } });
      expect(await suppressionFilterProvider({ project, sync })).toEqual([]); // no suppressions yet
      await warehouse.createSchema('cdp');
      await warehouse.execute('CREATE TABLE cdp.identity_suppressions (id_type VARCHAR, id_value VARCHAR)');
      const [filter] = await suppressionFilterProvider({ project, sync });
      const sql = filter!.predicate('s', warehouse.dialect);
      expect(sql).toContain('"id"');
      expect(sql).toContain('"contact_email"');
      expect(sql).not.toContain('"score"');
      const audienceSync = prepareSyncObject({ name: 'y', from: { audience: 'vip' }, destination: { type: 'webhook', config: { url: 'http://localhost:1/hook' } }, mode: 'upsert', fields: { email: 'email' } });
      expect(await suppressionFilterProvider({ project, sync: audienceSync })).toEqual([]);
    } finally {
      await project.close();
    }
  });
});
