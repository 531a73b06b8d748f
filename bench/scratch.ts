import { Store } from "../src/store/database.js";
import { buildDataset } from "../src/tasks/build-dataset.js";
const store = await Store.open("/tmp/demo200/ehr-r1.duckdb");
const t = performance.now();
const s = await buildDataset(store, { name: "ehr-bench", out: "/tmp/bench-out", seed: 1, perTask: 20, force: true });
console.log(performance.now() - t, s.files, s.sampling.samples);
store.close();
