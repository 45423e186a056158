import type { Project } from '../project/index.js';
import type { Row } from '../warehouse/index.js';
import { csvLine } from '../util/csv.js';
import { audienceCatalog } from './catalog.js';
import { invalid, suggestion } from './errors.js';
import type { AudienceInput } from './library.js';
import { audienceTables, membersSql, validateAudience } from './sql.js';

/** Rows read from the warehouse per batch while streaming members (bounded memory). */
const BATCH_SIZE = 5_000;

export interface MembersCsv {
  columns: string[];
  /** The CSV text, header first, one chunk per warehouse batch; nothing is read before iteration. */
  chunks: AsyncIterable<string>;
}

/**
 * The members of an audience as CSV, streamed from the warehouse in batches: profile_id and the
 * chosen traits (all by default), ordered by profile_id. `shape` rewrites each row before it is
 * written (PII masking for roles without pii:read). Validation happens here, before any byte is
 * sent, so a bad request still gets a JSON error.
 */
export async function audienceMembersCsv(project: Project, input: AudienceInput, traits: string[] | undefined, shape: (row: Row) => Row = (row) => row): Promise<MembersCsv> {
  const known = await audienceCatalog(project).traits();
  traits?.forEach((trait, i) => {
    if (!known.has(trait)) throw invalid(`unknown trait \`${trait}\``, ['traits', i], suggestion(trait, [...known.keys()], 'trait'));
  });
  const columns = ['profile_id', ...(traits ?? [...known.keys()]).filter((c) => c !== 'profile_id')];
  const resolved = await validateAudience(project, input);
  const warehouse = await project.warehouse();
  const d = warehouse.dialect;
  const select = columns.map((c) => `m.${d.quoteIdent(c)}`).join(', ');
  const sql = `SELECT ${select}\nFROM (\n${membersSql(resolved, d, audienceTables(project))}\n) AS m\nORDER BY m.${d.quoteIdent('profile_id')}`;
  async function* chunks(): AsyncGenerator<string> {
    yield csvLine(columns);
    for await (const batch of warehouse.stream(sql, { batchSize: BATCH_SIZE })) {
      yield batch.map((row) => {
        const shaped = shape(row);
        return csvLine(columns.map((c) => shaped[c]), { forSpreadsheets: true });
      }).join('');
    }
  }
  return { columns, chunks: chunks() };
}
