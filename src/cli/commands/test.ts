import type { Command } from 'commander';
import { CdpError } from '../../errors.js';
import { runSchemaTests, type SchemaTestResult } from '../../models/index.js';
import { inDbtProject, say, selectionOf, stopwatch, withDbtProject, withSelection, type DbtFlags } from '../context.js';
import { saveArtifacts } from './dbt-artifacts.js';

type TestFlags = DbtFlags;

export function describe(result: SchemaTestResult): string {
  const { test } = result;
  const subject = test.singular ? `singular ${test.name}` : `${test.kind} ${test.source ? 'source ' : ''}${test.model}${test.column === null ? '' : `.${test.column}`}`;
  switch (result.status) {
    case 'pass':
      return `PASS  ${subject}`;
    case 'fail':
      return `FAIL  ${subject}: ${result.failures!.toLocaleString('en-US')} failing row(s)  (${test.file}:${test.line})`;
    case 'warn':
      return `WARN  ${subject}: ${result.failures!.toLocaleString('en-US')} failing row(s)  (${test.file}:${test.line})`;
    case 'error':
      return `ERROR ${subject}: ${result.error}  (${test.file}:${test.line})`;
    case 'skipped':
      return `SKIP  ${subject}: ${result.error}`;
  }
}

export function register(program: Command): void {
  withDbtProject(
    withSelection(program.command('test').description('run the data tests declared in YAML files beside the models (and singular tests)'), {
      select: 'only tests of these models, or tests picked by test_type:, test_name:, tag: (dbt syntax)',
      exclude: 'leave these out',
    }),
  ).action(
    inDbtProject(async (project, flags: TestFlags) => {
      const elapsed = stopwatch();
      const results = await runSchemaTests(project, { ...selectionOf(flags), onResult: (result) => say(describe(result)) });
      saveArtifacts(project, { which: 'test', tests: results, elapsed: elapsed() });
      reportTests(results);
    }),
  );
}

/** The summary line, and an error (exit 1) when a test failed or could not run (unless `fail` is false). */
export function reportTests(results: readonly SchemaTestResult[], fail = true): void {
  const count = (status: SchemaTestResult['status']) => results.filter((r) => r.status === status).length;
  const [passed, failed, warned, errored, skipped] = [count('pass'), count('fail'), count('warn'), count('error'), count('skipped')];
  say(`${results.length} test(s): ${passed} passed, ${failed} failed, ${warned} warned, ${errored} errored${skipped ? `, ${skipped} skipped` : ''}`);
  if (fail && failed + errored > 0) {
    const first = results.find((r) => r.status === 'fail' || r.status === 'error')!;
    throw new CdpError('SCHEMA_TEST', `${failed + errored} of ${results.length} test(s) did not pass; first: ${first.test.name}`, {
      location: { file: first.test.file, line: first.test.line },
      hint: 'fix the data or the model, or set `config: {severity: warn}` on the test',
    });
  }
}
