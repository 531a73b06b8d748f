import { createWriteStream, statSync } from "node:fs";
import { once } from "node:events";
import { join } from "node:path";
import { createInterface } from "node:readline";
import { createReadStream } from "node:fs";
import { describe, expect, it } from "vitest";
import { exportDataset } from "../../src/export/formats.js";
import { TASKS } from "../../src/tasks/registry.js";
import { tempDir } from "../helpers/data.js";

/** V8's longest string (about 512 MiB): a reader that holds the whole file in one string fails above it. */
const STRING_LIMIT = 0x1fffffe8;

describe("export streams files larger than a JavaScript string can hold", () => {
  const dir = tempDir();

  it("writes one SFT row per record of a 560 MB EHR-Ins file, in order", async () => {
    const data = join(dir, "big.jsonl");
    const risk = TASKS.find((t) => t.type === "risk_prediction")!;
    const stream = createWriteStream(data);
    const filler = "## Laboratory Test Events [2150-01-01 00:00:00]\n| Item | Value |\n".padEnd(
      130_000,
      "| Sodium | 140 |\n",
    );
    const records = 4_300;
    for (let i = 0; i < records; i++) {
      const line = JSON.stringify({
        idx: i,
        instruction: risk.instruction,
        input: `## Patient Demographics [None]\n- Anchor_Age: ${i}\n\n${filler}`,
        output: i % 3 ? "no" : "yes",
        candidates: ["yes", "no"],
        task_info: { task: risk.name, task_type: risk.type, label: i % 3 ? "no" : "yes" },
      });
      if (!stream.write(`${line}\n`)) await once(stream, "drain");
    }
    stream.end();
    await once(stream, "finish");
    expect(statSync(data).size).toBeGreaterThan(STRING_LIMIT);

    const out = join(dir, "sft.jsonl");
    const result = await exportDataset({ format: "sft", data, out });
    expect(result.rows).toBe(records);
    // Read back a line at a time: the ages run 0..n-1 in the file's order, and answers follow the labels.
    let n = 0;
    for await (const line of createInterface({ input: createReadStream(out), crlfDelay: Infinity })) {
      const row = JSON.parse(line) as { messages: { role: string; content: string }[] };
      expect(row.messages.find((m) => m.role === "user")!.content).toContain(`- Anchor_Age: ${n}\n`);
      expect(row.messages.at(-1)!.content).toBe(n % 3 ? "no" : "yes");
      n++;
    }
    expect(n).toBe(records);
    expect(statSync(out).size).toBeGreaterThan(STRING_LIMIT);
  }, 300_000);
});
