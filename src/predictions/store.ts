import type { Project } from '../project/index.js';
import type { RelationRef, Warehouse } from '../warehouse/index.js';
import type { Evaluation, StoredModel } from './model.js';

/**
 * Models and evaluations live in the warehouse, next to the data they were trained on, in one
 * table `<schema>._prediction_models(name, entry, created_at, body)`: `entry` is `model` or
 * `evaluation`, `body` the JSON. The warehouse (not the state store) because scoring happens there
 * and a model is only meaningful for the data of that warehouse.
 */
export function modelsTable(project: Project): RelationRef {
  return { schema: project.schema, name: '_prediction_models' };
}

type Entry = 'model' | 'evaluation';

async function ensureTable(warehouse: Warehouse, table: RelationRef): Promise<void> {
  if (await warehouse.relationExists(table)) return;
  const d = warehouse.dialect;
  await warehouse.createSchema(table.schema);
  const columns = [
    `name ${d.typeName('string')}`,
    `entry ${d.typeName('string')}`,
    `created_at ${d.typeName('timestamp')}`,
    `body ${d.typeName('string')}`,
  ];
  await warehouse.execute(`CREATE TABLE ${d.relation(table)} (${columns.join(', ')})`);
}

async function write(project: Project, name: string, entry: Entry, body: unknown): Promise<void> {
  const warehouse = await project.warehouse();
  const table = modelsTable(project);
  await ensureTable(warehouse, table);
  const d = warehouse.dialect;
  const where = `name = ${d.literal(name)} AND entry = ${d.literal(entry)}`;
  await warehouse.transaction(async (session) => {
    await session.execute(`DELETE FROM ${d.relation(table)} WHERE ${where}`);
    await session.execute(
      `INSERT INTO ${d.relation(table)} (name, entry, created_at, body) VALUES (${d.literal(name)}, ${d.literal(entry)}, ${d.literal(new Date())}, ${d.literal(JSON.stringify(body))})`,
    );
  });
}

async function read<T>(project: Project, name: string, entry: Entry): Promise<T | null> {
  const warehouse = await project.warehouse();
  const table = modelsTable(project);
  if (!(await warehouse.relationExists(table))) return null;
  const d = warehouse.dialect;
  const rows = await warehouse.query<{ body: string }>(`SELECT body FROM ${d.relation(table)} WHERE name = ${d.literal(name)} AND entry = ${d.literal(entry)}`);
  return rows[0] ? (JSON.parse(rows[0].body) as T) : null;
}

export const saveModel = (project: Project, model: StoredModel) => write(project, model.name, 'model', model);
export const loadModel = (project: Project, name: string) => read<StoredModel>(project, name, 'model');
export const saveEvaluation = (project: Project, evaluation: Evaluation) => write(project, evaluation.name, 'evaluation', evaluation);
export const loadEvaluation = (project: Project, name: string) => read<Evaluation>(project, name, 'evaluation');
