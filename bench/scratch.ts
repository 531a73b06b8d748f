import { Store } from "../src/store/database.js";
import { buildTaskIndex } from "../src/tasks/index-build.js";
const store = await Store.open(process.argv[2] ?? "/tmp/demo.duckdb");
const s = await buildTaskIndex(store);
console.log(JSON.stringify(s.tasks.map((t) => [t.task, t.samples, t.labels ?? ""])), s.samples, s.seconds, s.empty);
store.close();
