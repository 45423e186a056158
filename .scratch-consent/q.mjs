import { DuckDBInstance } from '@duckdb/node-api';
const db = await DuckDBInstance.create(process.argv[2]);
const c = await db.connect();
for (const q of process.argv.slice(3)) { const r = await c.runAndReadAll(q); console.log(q); console.table(r.getRowObjects()); }
