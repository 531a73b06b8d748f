import { Store } from "../src/store/database.js";
import { sampleTaskIndex } from "../src/tasks/sample.js";
import { PRESETS } from "../src/tasks/presets.js";
const store = await Store.open("/tmp/demo200/ehr-r1.duckdb");
const t = performance.now();
const s = await sampleTaskIndex(store, { config: PRESETS["ehr-bench"]!.config, split: { kind: "ratio", testRatio: 0.5 }, splitName: "test", perTask: 40, balance: true, seed: 7 });
console.log(performance.now() - t, s.samples, s.patients, s.empty, JSON.stringify(s.tasks.slice(0, 4)), JSON.stringify(s.tasks.slice(-3)));
store.close();
