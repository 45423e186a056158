import { describe, expect, it } from 'vitest';
import { renderJinja } from '../../../src/models/template.js';
import { JINJA_CORPUS } from '../../fixtures/dbt/jinja-corpus.js';

/** Known differences from Jinja2 (docs/models.md "Template engine"); every other case must match. */
const KNOWN_DIFFERENCES = new Set(['tuple unpacking in set']);

describe('the Jinja2 corpus of dbt-style macros', () => {
  it.each(JINJA_CORPUS.filter((c) => !KNOWN_DIFFERENCES.has(c.name)).map((c) => [c.name, c] as const))('%s renders as Jinja2 does', (_name, c) => {
    expect(renderJinja(c.template, 'corpus.sql', {})).toBe(c.expected);
  });

  it('a known difference fails loudly rather than rendering something else', () => {
    const c = JINJA_CORPUS.find((k) => k.name === 'tuple unpacking in set')!;
    expect(() => renderJinja(c.template, 'corpus.sql', {})).toThrow(/template error/);
  });
});
