import { afterEach, describe, expect, it } from 'vitest';
import { compileSchemaTest, loadModels, loadSchemaTests, parseSchemaFile } from '../../../src/models/index.js';
import type { Project } from '../../../src/project/index.js';
import { getDialect } from '../../../src/warehouse/index.js';
import { errorOf, removeProject, tempProject } from './fixture.js';

const file = (text: string) => ({ path: '/p/models/schema.yml', file: 'models/schema.yml', text });

const valid = `version: 2
models:
  - name: orders
    description: one row per order
    columns:
      - name: order_id
        tests:
          - unique
          - not_null
      - name: status
        data_tests:
          - accepted_values:
              values: ['placed', 'shipped']
              config:
                severity: warn
                where: "amount > 0"
      - name: customer_id
        tests:
          - relationships:
              arguments:
                to: ref('customers')
                field: id
      - name: quantity
        tests:
          - accepted_values: { values: [1, 2], quote: false }
sources:
  - name: raw
`;

describe('schema.yml', () => {
  it('reads dbt tests with their lines, data_tests, config and nested arguments', () => {
    const tests = parseSchemaFile(file(valid));
    expect(tests.map((t) => [t.name, t.line, t.severity, t.where])).toEqual([
      ['unique_orders_order_id', 8, 'error', null],
      ['not_null_orders_order_id', 9, 'error', null],
      ['accepted_values_orders_status__placed__shipped', 12, 'warn', 'amount > 0'],
      ['relationships_orders_customer_id__id__ref_customers', 19, 'error', null],
      ['accepted_values_orders_quantity__1__2', 25, 'error', null],
    ]);
    expect(tests[3]).toMatchObject({ kind: 'relationships', to: "ref('customers')", field: 'id' });
    expect(tests[4]).toMatchObject({ values: [1, 2], quote: false });
  });

  it('an unknown test names its line and the supported tests', async () => {
    const project = tempProject({ 'models/a.sql': 'select 1 as x', 'models/schema.yml': 'version: 2\nmodels:\n  - name: a\n    columns:\n      - name: x\n        tests: [unique, dbt_utils.at_least_one]\n' });
    try {
      const error = await errorOf(() => loadSchemaTests(project, loadModels(project)));
      expect(error).toMatchObject({ code: 'SCHEMA_TEST', location: { file: 'models/schema.yml', line: 6 } });
      expect(error.message).toBe("unknown test 'dbt_utils.at_least_one' on a.x");
      expect(error.hint).toContain('{% test at_least_one(model, column_name) %} macros in the macros folder or an installed package');
    } finally {
      removeProject(project);
    }
  });

  it('a test with bad arguments names the field', async () => {
    const error = await errorOf(() => parseSchemaFile(file('models:\n  - name: a\n    columns:\n      - name: x\n        tests:\n          - accepted_values:\n              value: [1]\n')));
    expect(error).toMatchObject({ code: 'SCHEMA_TEST', location: { line: 6 } });
    expect(error.message).toContain('invalid accepted_values test on a.x');
  });

  it('a misshapen file names the field', async () => {
    const error = await errorOf(() => parseSchemaFile(file('version: 2\nmodels:\n  - name: a\n    columns:\n      - tests: [unique]\n')));
    expect(error).toMatchObject({ code: 'SCHEMA_TEST', location: { line: 5, path: 'models[0].columns[0].name' } });
  });

  it('a YAML syntax error names the line', async () => {
    const error = await errorOf(() => parseSchemaFile(file('version: 2\nmodels:\n  - name: a\n    columns: [\n')));
    expect(error).toMatchObject({ code: 'SCHEMA_TEST', location: { file: 'models/schema.yml' } });
    expect(error.message).toMatch(/^invalid YAML/);
  });
});

describe('schema tests against the models', () => {
  let project: Project | undefined;
  afterEach(() => {
    if (project) removeProject(project);
    project = undefined;
  });

  it("compiles each test to dbt's test query and a count of its rows", () => {
    project = tempProject({ 'models/orders.sql': 'select 1 as order_id', 'models/customers.sql': 'select 1 as id', 'models/schema.yml': valid });
    const graph = loadModels(project);
    const compiled = loadSchemaTests(project, graph).map((test) => compileSchemaTest(test, graph, getDialect('duckdb')));
    expect(compiled[0]!.failingRows).toBe('select\n    "order_id" as unique_field,\n    count(*) as n_records\nfrom "cdp"."orders"\nwhere "order_id" is not null\ngroup by "order_id"\nhaving count(*) > 1');
    expect(compiled[1]!.failingRows).toBe('select "order_id"\nfrom "cdp"."orders"\nwhere "order_id" is null');
    expect(compiled[2]!.failingRows).toContain('from (select * from "cdp"."orders" where amount > 0) dbt_subquery');
    expect(compiled[2]!.failingRows).toContain("where value_field not in ('placed', 'shipped')");
    expect(compiled[3]!.failingRows).toContain('select "id" as to_field from "cdp"."customers"');
    expect(compiled[4]!.failingRows).toContain('where value_field not in (1, 2)');
    for (const test of compiled) expect(test.sql).toBe(`select count(*) as failures from (\n${test.failingRows}\n) dbt_internal_test`);
  });

  it('tests of a model that does not exist name the file, line and closest model', async () => {
    project = tempProject({ 'models/orders.sql': 'select 1 as order_id', 'models/schema.yml': 'version: 2\nmodels:\n  - name: order\n    columns:\n      - name: id\n        tests: [unique]\n' });
    const graph = loadModels(project);
    const error = await errorOf(() => loadSchemaTests(project!, graph));
    expect(error).toMatchObject({ code: 'SCHEMA_TEST', location: { file: 'models/schema.yml', line: 6 }, hint: "did you mean 'orders'?" });
  });

  it('a relationships test to an unknown model is an error at its line', async () => {
    project = tempProject({
      'models/orders.sql': 'select 1 as order_id',
      'models/schema.yml': "version: 2\nmodels:\n  - name: orders\n    columns:\n      - name: customer_id\n        tests:\n          - relationships: {to: ref('customer'), field: id}\n",
    });
    const graph = loadModels(project);
    const error = await errorOf(() => loadSchemaTests(project!, graph));
    expect(error).toMatchObject({ code: 'SCHEMA_TEST', location: { file: 'models/schema.yml', line: 7 } });
    expect(error.message).toContain('there is no model named customer');
  });
});
