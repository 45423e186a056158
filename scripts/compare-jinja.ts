/**
 * Compares template engines on the corpus of dbt-style Jinja (tests/fixtures/dbt/jinja-corpus.ts):
 * how many cases each renders exactly as Jinja2 does. The engines other than cdp's are not
 * dependencies; install them for a run: npm install --no-save @huggingface/jinja minijinja-js
 *
 *   node --import tsx scripts/compare-jinja.ts
 */
import nunjucks from 'nunjucks';
import { JINJA_CORPUS } from '../tests/fixtures/dbt/jinja-corpus.js';

type Engine = { name: string; render(template: string): string | Promise<string> };

async function optional(name: string, load: () => Promise<Engine>): Promise<Engine | undefined> {
  try {
    return await load();
  } catch {
    process.stdout.write(`(${name} is not installed: npm install --no-save ${name})\n`);
    return undefined;
  }
}

async function main(): Promise<void> {
  // nunjucks as is first: cdp's layer patches nunjucks' runtime when it is imported.
  const plain = new nunjucks.Environment(null, { autoescape: false });
  const asIs = JINJA_CORPUS.map((c) => {
    try {
      return plain.renderString(c.template, {});
    } catch (error) {
      return `ERROR ${(error as Error).message.split('\n')[0]}`;
    }
  });
  const { renderJinja } = await import('../src/models/template.js');
  const engines: Array<Engine | undefined> = [
    { name: 'nunjucks 3.2 (as is)', render: (t) => asIs[JINJA_CORPUS.findIndex((c) => c.template === t)]! },
    { name: 'nunjucks + cdp dbt layer (chosen)', render: (t) => renderJinja(t, 'corpus.sql', {}) },
    await optional('@huggingface/jinja', async () => {
      const { Template } = (await import(String('@huggingface/jinja'))) as { Template: new (t: string) => { render(c: object): string } };
      return { name: '@huggingface/jinja', render: (t) => new Template(t).render({}) };
    }),
    await optional('minijinja-js', async () => {
      const { Environment } = (await import(String('minijinja-js'))) as { Environment: new () => { renderStr(t: string, c: object): string } };
      const env = new Environment();
      return { name: 'minijinja-js', render: (t) => env.renderStr(t, {}) };
    }),
  ];
  for (const engine of engines) {
    if (!engine) continue;
    const failed: string[] = [];
    for (const c of JINJA_CORPUS) {
      let out: string;
      try {
        out = await engine.render(c.template);
      } catch (error) {
        out = `ERROR ${(error as Error).message.split('\n')[0]}`;
      }
      if (out !== c.expected) failed.push(`${c.name}: got ${JSON.stringify(out.slice(0, 80))}`);
    }
    process.stdout.write(`${engine.name}: ${JINJA_CORPUS.length - failed.length}/${JINJA_CORPUS.length}\n${failed.map((f) => `   - ${f}`).join('\n')}\n`);
  }
}

await main();
