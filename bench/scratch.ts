import { Store } from "../src/store/database.js";
import { readTrajectories } from "../src/timeline/read.js";
import { renderEvent } from "../src/render/markdown.js";
import { ModelTokenizer } from "../src/render/tokenizer.js";
const tok = ModelTokenizer.load("../shared/data/tokenizers/qwen3");
console.log(tok.encode("Hello world <think>"));
console.log(JSON.stringify(tok.applyChatTemplate([{ role: "system", content: "You are a helpful assistant." }, { role: "user", content: "hi" }], { enableThinking: false })));
const store = await Store.open("/tmp/demo.duckdb");
const ids = (await store.rows<{ s: number }>("SELECT DISTINCT subject_id s FROM timeline.events ORDER BY 1 LIMIT 30")).map((r) => r.s);
const trajs = await readTrajectories(store, ids);
let maxRatio = 0, bytes = 0, tokens = 0, n = 0; const t0 = performance.now();
for (const t of trajs.values()) for (const e of t) { const text = renderEvent(e); if (!text) continue; const b = Buffer.byteLength(text); const c = tok.count(text); bytes += b; tokens += c; n++; if (b > 200) maxRatio = Math.max(maxRatio, c / b); }
console.log({ n, bytes, tokens, bytesPerToken: bytes / tokens, maxTokensPerByte: maxRatio, ms: performance.now() - t0, tokPerSec: tokens / ((performance.now() - t0) / 1000) });
store.close();
