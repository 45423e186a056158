import { DuckDBInstance } from '@duckdb/node-api';
import { readFileSync } from 'node:fs';
const inst = await DuckDBInstance.create(process.argv[2]); const c = await inst.connect();
const r = await c.runAndReadAll(readFileSync(process.argv[3],'utf8').split(';;\n')[0]);
console.log(r.getRows().map(x=>x[1]).join('\n'));
