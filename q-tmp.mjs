// node q.mjs db.duckdb file.sql [repeat]: runs each statement (separated by ';;\n'), prints wall and CPU s.
import { DuckDBInstance } from '@duckdb/node-api';
import { readFileSync } from 'node:fs';
const [db, file, rep] = [process.argv[2], process.argv[3], Number(process.argv[4] ?? 1)];
const inst = await DuckDBInstance.create(db); const c = await inst.connect();
for (const s of readFileSync(file, 'utf8').split(';;\n').map((x) => x.trim()).filter(Boolean)) {
  for (let i = 0; i < rep; i++) {
    const cpu = process.cpuUsage(); const t = performance.now();
    const r = await c.runAndReadAll(s);
    const u = process.cpuUsage(cpu);
    console.log(((u.user + u.system) / 1e6).toFixed(2), 'cpu', ((performance.now() - t) / 1000).toFixed(2), 'wall', s.slice(0, 80).replace(/\n/g, ' '), s.startsWith('SELECT') ? JSON.stringify(r.getRows().slice(0, 5), (k, v) => typeof v === 'bigint' ? Number(v) : v) : '');
  }
}
