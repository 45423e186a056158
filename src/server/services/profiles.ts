import { maskPair } from './match-review.js';
import { CdpError } from '../../errors.js';
import { normalizeLiteralsQuery } from '../../identity/index.js';
import type { IdentityExplanation } from '../../identity/index.js';
import { PiiTags, UNMASKED, type PiiView } from '../../privacy/pii.js';
import type { Row, Warehouse } from '../../warehouse/index.js';
import type { ServerContext } from '../context.js';

export interface ProfileEvent {
  source: string;
  event: string | null;
  at: unknown;
  properties: Record<string, unknown>;
}

export interface ProfileView {
  profileId: string;
  /** Set when the id asked for was merged into this profile. */
  mergedFrom: string | null;
  traits: Record<string, unknown>;
  identifiers: Array<{ idType: string; value: string; firstSeen: unknown; lastSeen: unknown }>;
  sources: Array<{ source: string; records: number }>;
  events: ProfileEvent[];
  /** True when PII-tagged traits, identifiers and event properties were masked for the caller's role. */
  piiMasked: boolean;
}

/**
 * The value as identity resolution stores it (trim/lower-case emails, E.164 phones...), computed
 * with the identity module's own normalisation SQL so lookups match what the graph holds.
 */
async function normalizedValue(ctx: ServerContext, warehouse: Warehouse, idType: string, value: string): Promise<string | null> {
  const config = ctx.project.config.identity?.idTypes[idType];
  const type = { normalize: config?.normalize ?? 'trim', defaultRegion: config?.defaultRegion?.toUpperCase() ?? null };
  const rows = await warehouse.query(normalizeLiteralsQuery(warehouse.dialect, type, [value]));
  const norm = rows[0]?.norm;
  return norm === null || norm === undefined ? null : String(norm);
}

/** Profile lookup and the unified view, each piece one indexed-by-profile query in the warehouse. */
export class ProfileService {
  constructor(private readonly ctx: ServerContext) {}

  private async warehouse(): Promise<Warehouse> {
    const warehouse = await this.ctx.project.warehouse();
    const exists = await warehouse.relationExists({ schema: this.ctx.project.schema, name: 'identity_graph' });
    if (!exists) {
      throw new CdpError('NOT_FOUND', 'no identity graph has been built yet', { hint: 'run `cdp run` (or POST /api/runs) first' });
    }
    return warehouse;
  }

  private rel(warehouse: Warehouse, name: string): string {
    return warehouse.dialect.relation({ schema: this.ctx.project.schema, name });
  }

  /** The profile holding identifier (idType, value); 404 when none does. */
  async lookup(idType: string, value: string, eventLimit: number, pii: PiiView = UNMASKED): Promise<ProfileView> {
    const known = Object.keys(this.ctx.project.config.identity?.idTypes ?? {});
    if (known.length && !known.includes(idType)) {
      throw new CdpError('INVALID_INPUT', `unknown id type ${idType}`, { location: { path: 'query.id_type' }, hint: `one of: ${known.join(', ')}` });
    }
    const warehouse = await this.warehouse();
    const d = warehouse.dialect;
    const normalized = await normalizedValue(this.ctx, warehouse, idType, value);
    if (normalized === null) {
      throw new CdpError('INVALID_INPUT', `that is not a valid ${idType}`, { location: { path: 'query.value' }, hint: 'identity resolution drops such values, so no profile has it' });
    }
    const rows = await warehouse.query(
      `SELECT profile_id FROM ${this.rel(warehouse, 'identity_graph')} WHERE id_type = ${d.param(1)} AND id_value = ${d.param(2)} ${d.limit(1)}`,
      [idType, normalized],
    );
    if (!rows.length) {
      throw new CdpError('NOT_FOUND', `no profile found with that ${idType}`, { location: { path: 'query.value' }, hint: 'check the spelling, or try another identifier' });
    }
    // The value searched for is the caller's own: searching works for everyone, the answer is masked.
    return this.masked(await this.view(warehouse, String(rows[0]!.profile_id), null, eventLimit), pii);
  }

  /** A profile by id; an id that was merged away resolves to the profile it became. */
  async get(profileId: string, eventLimit: number, pii: PiiView = UNMASKED): Promise<ProfileView> {
    const warehouse = await this.warehouse();
    const d = warehouse.dialect;
    const found = await warehouse.query(`SELECT profile_id FROM ${this.rel(warehouse, 'profiles')} WHERE profile_id = ${d.param(1)}`, [profileId]);
    if (found.length) return this.masked(await this.view(warehouse, profileId, null, eventLimit), pii);
    const mergesExist = await warehouse.relationExists({ schema: this.ctx.project.schema, name: 'profile_merges' });
    if (mergesExist) {
      const merged = await warehouse.query(
        `SELECT profile_id FROM ${this.rel(warehouse, 'profile_merges')} WHERE old_profile_id = ${d.param(1)} ORDER BY merged_at DESC ${d.limit(1)}`,
        [profileId],
      );
      if (merged.length) return this.masked(await this.view(warehouse, String(merged[0]!.profile_id), profileId, eventLimit), pii);
    }
    throw new CdpError('NOT_FOUND', `no profile ${profileId}`, { location: { path: 'params.id' } });
  }

  private masked(view: ProfileView, pii: PiiView): ProfileView {
    if (!pii.mask) return view;
    const tags = PiiTags.of(this.ctx.project.config);
    return {
      ...view,
      traits: tags.maskRow(view.traits),
      identifiers: view.identifiers.map((id) => ({ ...id, value: tags.maskIdentifier(id.idType, id.value) })),
      events: view.events.map((event) => ({ ...event, properties: tags.maskRow(event.properties) })),
      piiMasked: true,
    };
  }

  private async view(warehouse: Warehouse, profileId: string, mergedFrom: string | null, eventLimit: number): Promise<ProfileView> {
    const d = warehouse.dialect;
    const [profileRows, identifiers, sources, events] = await Promise.all([
      warehouse.query(`SELECT * FROM ${this.rel(warehouse, 'profiles')} WHERE profile_id = ${d.param(1)}`, [profileId]),
      warehouse.query(
        `SELECT id_type, id_value, first_seen, last_seen FROM ${this.rel(warehouse, 'identity_graph')} WHERE profile_id = ${d.param(1)} ORDER BY id_type, id_value ${d.limit(1000)}`,
        [profileId],
      ),
      this.sources(warehouse, profileId),
      this.events(warehouse, profileId, eventLimit),
    ]);
    const { profile_id: _id, ...traits } = profileRows[0] ?? {};
    return {
      profileId,
      mergedFrom,
      traits,
      identifiers: identifiers.map((row) => ({ idType: String(row.id_type), value: String(row.id_value), firstSeen: row.first_seen, lastSeen: row.last_seen })),
      sources,
      events,
      piiMasked: false,
    };
  }

  private async sources(warehouse: Warehouse, profileId: string): Promise<ProfileView['sources']> {
    if (!(await warehouse.relationExists({ schema: this.ctx.project.schema, name: 'resolved_records' }))) return [];
    const d = warehouse.dialect;
    const rows = await warehouse.query(
      `SELECT source, COUNT(*) AS n FROM ${this.rel(warehouse, 'resolved_records')} WHERE profile_id = ${d.param(1)} GROUP BY source ORDER BY source`,
      [profileId],
    );
    return rows.map((row) => ({ source: String(row.source), records: Number(row.n) }));
  }

  /**
   * The latest events of every event stream (config `events`): rows of the stream's relation whose
   * record key resolved to this profile, newest first, merged across streams.
   */
  private async events(warehouse: Warehouse, profileId: string, limit: number): Promise<ProfileEvent[]> {
    const config = this.ctx.project.config;
    const d = warehouse.dialect;
    if (limit <= 0 || !config.identity || !(await warehouse.relationExists({ schema: this.ctx.project.schema, name: 'resolved_records' }))) return [];
    const perStream = await Promise.all(
      config.events.map(async (stream) => {
        const source = config.identity!.sources.find((candidate) => candidate.name === stream.source);
        if (!source) return [];
        const relation = d.relation(this.ctx.project.relation(source.relation));
        const key = d.quoteIdent(source.key);
        const ts = d.quoteIdent(source.timestamp);
        const sql =
          `SELECT r.*, (${stream.name}) AS cdp_event_name FROM ${relation} r ` +
          `WHERE ${d.cast(`r.${key}`, 'string')} IN (SELECT record_key FROM ${this.rel(warehouse, 'resolved_records')} WHERE source = ${d.param(1)} AND profile_id = ${d.param(2)}) ` +
          `ORDER BY r.${ts} DESC ${d.limit(limit)}`;
        const rows: Row[] = await warehouse.query(sql, [source.name, profileId]);
        return rows.map((row): ProfileEvent => {
          const { cdp_event_name: name, [source.timestamp]: at, ...properties } = row;
          return { source: source.name, event: name === null || name === undefined ? null : String(name), at, properties };
        });
      }),
    );
    const time = (value: unknown): number => (value instanceof Date ? value.getTime() : value === null || value === undefined ? 0 : new Date(String(value)).getTime());
    return perStream
      .flat()
      .sort((a, b) => time(b.at) - time(a.at))
      .slice(0, limit);
  }
}

/** An identity explanation with the identifier values of PII-tagged id types masked (the input stays: it is the caller's own). */
export function maskExplanation(project: { config: { privacy?: { pii?: readonly string[] } } }, explanation: IdentityExplanation, pii: PiiView): IdentityExplanation & { piiMasked: boolean } {
  if (!pii.mask) return { ...explanation, piiMasked: false };
  const tags = PiiTags.of(project.config);
  const id = <T extends { idType: string; value: string }>(x: T): T => ({ ...x, value: tags.maskIdentifier(x.idType, x.value) });
  return {
    ...explanation,
    normalized: explanation.normalized === null ? null : tags.maskIdentifier(explanation.idType, explanation.normalized),
    anchor: explanation.anchor ? id(explanation.anchor) : null,
    identifiers: explanation.identifiers.map(id),
    // A probabilistic hop's compared values are personal data (maskPair); record keys stay, as profiles:read sees them.
    chain: explanation.chain.map((link) => ({
      ...link,
      from: id(link.from),
      to: id(link.to),
      ...(link.match ? { match: { ...link.match, pair: link.match.pair ? maskPair(link.match.pair, { keys: true, values: false }) : null } } : {}),
    })),
    piiMasked: true,
  };
}
