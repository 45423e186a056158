import type { ReactNode } from 'react';

/** A compact two-column table: a name and a count per row (identifiers by type, rows by table…). */
export function CountTable<T>({
  label,
  testId,
  headers,
  rows,
  rowKey,
  name,
  count,
}: {
  label: string;
  testId?: string;
  headers: [ReactNode, ReactNode];
  rows: readonly T[];
  rowKey: (row: T) => string;
  name: (row: T) => ReactNode;
  count: (row: T) => ReactNode;
}) {
  return (
    <table className="table compact" aria-label={label} data-testid={testId}>
      <thead>
        <tr>
          <th scope="col">{headers[0]}</th>
          <th scope="col" className="num">
            {headers[1]}
          </th>
        </tr>
      </thead>
      <tbody>
        {rows.map((row) => (
          <tr key={rowKey(row)}>
            <td>{name(row)}</td>
            <td className="num">{count(row)}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}
