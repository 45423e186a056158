import { useMemo, useState } from 'react';
import { EmptyState } from '../components/States';
import { formatCount, formatValue } from '../lib/format';
import { Link } from '../lib/router';
import type { AudiencePreview } from '../lib/types';
import type { BuilderNode, GroupNode } from './model';

/** Columns a marketer recognises a person by, shown before the rest when present. */
const FRIENDLY = ['email', 'first_name', 'last_name', 'name', 'city', 'country'];
const DEFAULT_COLUMNS = 6;

function usedTraits(node: BuilderNode): string[] {
  if (node.kind === 'group') return node.items.flatMap(usedTraits);
  return node.kind === 'trait' && node.trait ? [node.trait] : [];
}

/** Some members of the draft audience: who they are and the traits the conditions look at. */
export function SampleTable({ preview, root, labelOf = (c) => c }: { preview: AudiencePreview; root: GroupNode; labelOf?(column: string): string }) {
  const [all, setAll] = useState(false);
  const columns = useMemo(() => {
    if (all) return preview.columns;
    const available = new Set(preview.columns);
    const wanted = ['profile_id', ...FRIENDLY, ...usedTraits(root)].filter((c) => available.has(c));
    const unique = [...new Set(wanted)];
    for (const column of preview.columns) if (unique.length < DEFAULT_COLUMNS && !unique.includes(column)) unique.push(column);
    return unique;
  }, [all, preview.columns, root]);

  if (preview.sample.length === 0) {
    return <EmptyState title="Nobody matches">Loosen a condition: the count after each condition shows which one removes everyone.</EmptyState>;
  }
  return (
    <div className="card flush">
      <div className="table-scroll" tabIndex={0} role="region" aria-label="Sample of members">
        <table className="table compact" data-testid="sample-table">
          <thead>
            <tr>
              {columns.map((c) => (
                <th key={c} scope="col" title={c}>
                  {labelOf(c)}
                </th>
              ))}
            </tr>
          </thead>
          <tbody>
            {preview.sample.map((row, i) => (
              <tr key={String(row.profile_id ?? i)}>
                {columns.map((c) => (
                  <td key={c} className={typeof row[c] === 'number' ? 'num' : undefined}>
                    {c === 'profile_id' ? <Link to={`/profiles?id=${encodeURIComponent(String(row[c]))}`}>{String(row[c])}</Link> : formatValue(row[c])}
                  </td>
                ))}
              </tr>
            ))}
          </tbody>
        </table>
      </div>
      <div className="table-foot">
        <span className="muted small">
          Showing {formatCount(preview.sample.length)} of {formatCount(preview.count)} members
          {preview.piiMasked ? <span data-testid="pii-masked"> · personal data hidden for your role</span> : null}
        </span>
        {preview.columns.length > DEFAULT_COLUMNS ? (
          <button type="button" className="link-button" onClick={() => setAll((a) => !a)}>
            {all ? 'Fewer columns' : `All ${preview.columns.length} columns`}
          </button>
        ) : null}
      </div>
    </div>
  );
}
