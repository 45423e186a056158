import type { Dialect, RelationRef } from '../warehouse/index.js';

/**
 * A relation as dbt templates see it (`this`, `ref()`, `source()`): prints as the quoted name and
 * has dbt's Relation attributes (`this.schema`, `this.identifier`, `this.name`, `this.database`).
 */
export class RelationValue {
  readonly schema: string;
  readonly identifier: string;
  readonly name: string;
  readonly table: string;
  private readonly text: string;

  constructor(
    relation: RelationRef,
    dialect: Dialect,
    readonly database: string | null = null,
  ) {
    this.schema = relation.schema;
    this.identifier = relation.name;
    this.name = relation.name;
    this.table = relation.name;
    this.text = dialect.relation(relation);
  }

  render(): string {
    return this.text;
  }

  toString(): string {
    return this.text;
  }
}
