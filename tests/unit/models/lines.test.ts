import { describe, expect, it } from 'vitest';
import { CdpError } from '../../../src/errors.js';
import { mapRenderedLine } from '../../../src/models/index.js';
import { modelSqlError } from '../../../src/models/sql-error.js';
import type { Model } from '../../../src/models/index.js';

const template = [
  "{{ config(materialized='table') }}", // 1
  '', // 2
  'select', // 3
  '{% for c in ["a", "b", "c"] %}', // 4
  '  {{ c }} as col_{{ c }},', // 5
  '{% endfor %}', // 6
  '  1 as one', // 7
  "from {{ ref('x') }}", // 8
  'where bad syntax here', // 9
].join('\n');
const rendered = ['', '', 'select', '', '  a as col_a,', '', '  b as col_b,', '', '  c as col_c,', '', '  1 as one', 'from "cdp"."x"', 'where bad syntax here'].join('\n');

describe('mapping rendered lines back to the template', () => {
  it.each([
    [3, 3],
    [5, 5],
    [9, 5],
    [11, 7],
    [12, 8],
    [13, 9],
  ])('rendered line %i is template line %i', (renderedLine, templateLine) => {
    expect(mapRenderedLine(template, rendered, renderedLine)).toBe(templateLine);
  });
});

describe('SQL errors of a model', () => {
  const model = { name: 'm', file: 'models/m.sql', template, bodyLine: 3 } as Model;
  const statement = `CREATE OR REPLACE TABLE "cdp"."m" AS ${rendered}\n`;

  it('maps the engine line (DuckDB/Postgres `LINE n:`) through the statement to the template', () => {
    const engine = new CdpError('WAREHOUSE', 'Parser Error: syntax error at or near "syntax"\n\nLINE 13: where bad syntax here\n                   ^');
    const error = modelSqlError(model, statement, `${rendered}\n`, engine);
    expect(error).toMatchObject({ code: 'MODEL_SQL', location: { file: 'models/m.sql', line: 9 } });
    expect(error.message).toBe('model m failed: Parser Error: syntax error at or near "syntax"');
  });

  it('uses a character position when the engine gives one', () => {
    const engine = Object.assign(new Error('column "col_b" does not exist'), { position: String(statement.indexOf('b as col_b') + 1) });
    expect(modelSqlError(model, statement, `${rendered}\n`, new CdpError('WAREHOUSE', 'failed', { cause: engine })).location.line).toBe(5);
  });

  it('falls back to the first line of the SQL body', () => {
    const error = modelSqlError(model, statement, `${rendered}\n`, new Error('Out of memory'));
    expect(error.location).toEqual({ file: 'models/m.sql', line: 3 });
  });
});
