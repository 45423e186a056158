import { SqlRunner } from './src/identity/index.js';
import { runFellegiSunter } from './src/identity/probabilistic/index.js';
import { openWarehouse } from './src/warehouse/index.js';
import { fake1000Config, loadFake1000 } from './tests/integration/identity/probabilistic-datasets.js';
const wh = await openWarehouse({ type: 'duckdb', path: ':memory:' }, '/tmp');
const sql = new SqlRunner(wh);
await loadFake1000(wh, 'f');
const config = fake1000Config();
const r = await runFellegiSunter(sql, { records: { schema: 'f', name: 'records' }, config, scratch: (n) => ({ schema: 'f', name: `t_${n}` }) });
console.log('prior', r.params.prior, r.params.priorSource);
console.log(await wh.query(`SELECT COUNT(*) AS true_pairs, COUNT(*)/499500.0 AS true_prior FROM f.truth a JOIN f.truth b ON a.entity=b.entity AND a.rid<b.rid`));
for (const l of r.params.levels) console.log(l.field, l.label, l.m.toFixed(4), l.u.toExponential(2), l.weight.toFixed(2));
// true pairs among blocked, by weight bucket
console.log(await wh.query(`SELECT FLOOR(s.match_weight) AS w, SUM(CASE WHEN a.entity=b.entity THEN 1 ELSE 0 END) AS t, SUM(CASE WHEN a.entity<>b.entity THEN 1 ELSE 0 END) AS f FROM f.t_scored s JOIN f.truth a ON a.rid=s.rid_l JOIN f.truth b ON b.rid=s.rid_r GROUP BY 1 HAVING FLOOR(s.match_weight) BETWEEN -6 AND 8 ORDER BY 1`));
console.log(await wh.query(`SELECT g_first_name, g_surname, g_dob, g_city, g_email, ROUND(match_weight,2) AS w, COUNT(*) AS n FROM f.t_scored s JOIN f.truth a ON a.rid=s.rid_l JOIN f.truth b ON b.rid=s.rid_r WHERE a.entity=b.entity AND match_weight < 3.17 AND match_weight > -4 GROUP BY ALL ORDER BY n DESC LIMIT 25`));
await wh.close();
