import { Fragment, useId } from 'react';
import { Combobox, type ComboOption } from './Combobox';
import { FieldError } from './Field';
import { FORMAT_HELP, formatsFor, PREFER_HELP, type MappingRow, type PreferChoice, type ValueFormat } from '../lib/field-mappings';
import type { DestinationType } from '../lib/types';

/**
 * The field mapping of a sync: per row a destination field and what it sends — an audience
 * column (for date fields, in a format: `as`) or the profile's preferred identifier of one type
 * from the identity graph (`prefer`). A row's error is shown under it and describes its controls.
 */
export function MappingTable({
  rows,
  onChange,
  errorOf,
  fieldOptions,
  columnOptions,
  idTypeOptions,
  destinationType,
}: {
  rows: MappingRow[];
  onChange(rows: MappingRow[]): void;
  /** The error about a row, if any. */
  errorOf(row: MappingRow, index: number): string | undefined;
  fieldOptions: ComboOption[];
  columnOptions: ComboOption[];
  idTypeOptions: ComboOption[];
  destinationType: DestinationType | undefined;
}) {
  const id = useId();
  const update = (row: MappingRow, change: Partial<MappingRow>) => onChange(rows.map((r) => (r.id === row.id ? { ...r, ...change } : r)));
  return (
    <table className="table compact mapping" aria-label="Field mapping">
      <thead>
        <tr>
          <th scope="col">Destination field</th>
          <th scope="col" aria-hidden="true" />
          <th scope="col">Sends</th>
          <th scope="col">
            <span className="visually-hidden">Remove</span>
          </th>
        </tr>
      </thead>
      <tbody>
        {rows.map((row, index) => {
          const n = index + 1;
          const error = errorOf(row, index);
          const errorId = `${id}-row-${row.id}-error`;
          const invalid = { invalid: !!error, describedBy: error ? errorId : undefined };
          const invalidProps = error ? { 'aria-invalid': true as const, 'aria-describedby': errorId } : {};
          const formats = formatsFor(destinationType, row.field);
          return (
            <Fragment key={row.id}>
              <tr className={error ? 'invalid' : undefined}>
                <td>
                  <Combobox freeText label={`Destination field ${n}`} placeholder="field name" value={row.field} options={fieldOptions} onChange={(field) => update(row, { field, as: formatsFor(destinationType, field).includes(row.as as ValueFormat) ? row.as : '' })} {...invalid} />
                </td>
                <td aria-hidden="true">←</td>
                <td>
                  <div className="mapping-source">
                    <select aria-label={`What field ${n} sends`} value={row.kind} onChange={(e) => update(row, { kind: e.target.value as MappingRow['kind'] })}>
                      <option value="column">a column</option>
                      <option value="identifier">an identifier from the identity graph</option>
                    </select>
                    {row.kind === 'column' ? (
                      <>
                        <Combobox label={`Audience column ${n}`} placeholder="column…" value={row.column} options={columnOptions} onChange={(column) => update(row, { column, field: row.field || column })} {...invalid} />
                        {formats.length > 0 ? (
                          <select aria-label={`Date format of field ${n}`} value={row.as} onChange={(e) => update(row, { as: e.target.value as MappingRow['as'] })}>
                            <option value="">as it is</option>
                            {formats.map((f) => (
                              <option key={f} value={f}>
                                as {f} ({FORMAT_HELP[f]})
                              </option>
                            ))}
                          </select>
                        ) : null}
                      </>
                    ) : (
                      <>
                        <Combobox freeText label={`Identifier type ${n}`} placeholder="id type, e.g. email" value={row.idType} options={idTypeOptions} onChange={(idType) => update(row, { idType, field: row.field || idType })} {...invalid} />
                        <select aria-label={`Which identifier field ${n} sends`} value={row.prefer} onChange={(e) => update(row, { prefer: e.target.value as PreferChoice })}>
                          {Object.entries(PREFER_HELP).map(([value, label]) => (
                            <option key={value} value={value}>
                              {label}
                            </option>
                          ))}
                        </select>
                        {row.prefer === 'sources' ? <input aria-label={`Sources to prefer for field ${n}`} placeholder="crm_contacts, orders" value={row.sources} onChange={(e) => update(row, { sources: e.target.value })} {...invalidProps} /> : null}
                      </>
                    )}
                  </div>
                </td>
                <td>
                  <button type="button" className="icon-button" aria-label={`Remove mapping ${n}`} onClick={() => onChange(rows.filter((r) => r.id !== row.id))}>
                    ×
                  </button>
                </td>
              </tr>
              {error ? (
                <tr className="mapping-error">
                  <td colSpan={4}>
                    <FieldError id={errorId} message={error} />
                  </td>
                </tr>
              ) : null}
            </Fragment>
          );
        })}
      </tbody>
    </table>
  );
}
