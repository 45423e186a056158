import { createHash } from 'node:crypto';
import type { Knex } from 'knex';
import { z } from 'zod';
import { dateColumn } from '../../state/index.js';

/** What an alert is about, as the ledger keeps it. */
export interface AlertSubject {
  kind: 'failure' | 'partial' | 'stale' | 'audience_change';
  sync: string;
  /** A rule made over the API: its own alert, so it never silences (or is silenced by) another rule's. */
  rule?: string;
}

export interface AlertStateRow extends AlertSubject {
  key: string;
  firing: boolean;
  title: string;
  link: string | null;
  sentAt: Date;
  resolvedAt: Date | null;
  sends: number;
}

const row = z.object({
  key: z.string(),
  kind: z.enum(['failure', 'partial', 'stale', 'audience_change']),
  sync: z.string(),
  firing: z.union([z.boolean(), z.number()]).transform(Boolean),
  fingerprint: z.string(),
  title: z.string(),
  link: z.string().nullable(),
  sent_at: dateColumn,
  resolved_at: dateColumn.nullable(),
  sends: z.coerce.number(),
});

export const alertKey = (subject: AlertSubject): string => `${subject.kind}:${subject.sync}${subject.rule ? `:rule:${subject.rule}` : ''}`;
const digest = (text: string): string => createHash('sha256').update(text).digest('hex').slice(0, 32);

/**
 * Remembers which alerts were sent, so one is sent once until it is resolved or changes (a
 * different error, a new snapshot). Claims are atomic: two processes finishing runs of the same
 * sync never both send.
 */
export class AlertLedger {
  constructor(private readonly knex: Knex) {}

  /**
   * Claims the right to send a firing alert. False when the same alert (same fingerprint) is
   * already firing: it was sent and nothing changed since. `release` undoes a claim whose
   * delivery failed everywhere, so the next check tries again.
   */
  async claimFiring(subject: AlertSubject, fingerprint: string, message: { title: string; link: string | null }, now = new Date()): Promise<{ claimed: boolean; release(): Promise<void> }> {
    const key = alertKey(subject);
    const fp = digest(fingerprint);
    const fields = { kind: subject.kind, sync: subject.sync, title: message.title, link: message.link, sent_at: now.getTime(), resolved_at: null };
    await this.knex('alert_state').insert({ key, ...fields, firing: false, fingerprint: '', sends: 0 }).onConflict('key').ignore();
    // One statement: of two processes claiming the same alert, one updates the row, the other finds it firing.
    const updated = await this.knex('alert_state')
      .where({ key })
      .andWhere((q) => q.where({ firing: false }).orWhereNot({ fingerprint: fp }))
      .update({ ...fields, firing: true, fingerprint: fp, sends: this.knex.raw('sends + 1') });
    const release = async () => {
      await this.knex('alert_state').where({ key, fingerprint: fp }).update({ firing: false, fingerprint: '' });
    };
    return { claimed: updated > 0, release };
  }

  /** Marks a firing alert resolved; true when it was firing (a "resolved" notice is due). */
  async resolve(subject: AlertSubject, now = new Date()): Promise<boolean> {
    const updated = await this.knex('alert_state').where({ key: alertKey(subject), firing: true }).update({ firing: false, resolved_at: now.getTime() });
    return updated > 0;
  }

  /** Forgets the alerts of a rule made over the API (when it is deleted). */
  async forgetRule(rule: string): Promise<void> {
    const keys = (await this.knex('alert_state').select<{ key: string }[]>('key')).map((r) => r.key).filter((key) => key.endsWith(`:rule:${rule}`));
    if (keys.length) await this.knex('alert_state').whereIn('key', keys).delete();
  }

  /** Alerts firing now, newest first. */
  async firing(): Promise<AlertStateRow[]> {
    const rows: unknown[] = await this.knex('alert_state').where({ firing: true }).orderBy('sent_at', 'desc');
    return rows.map((r) => {
      const p = row.parse(r);
      return { key: p.key, kind: p.kind, sync: p.sync, firing: p.firing, title: p.title, link: p.link, sentAt: p.sent_at, resolvedAt: p.resolved_at, sends: p.sends };
    });
  }
}
