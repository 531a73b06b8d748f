import { readFileSync } from "node:fs";
import { expect, it, vi } from "vitest";
import { describeNeeding } from "../helpers/data.js";
import { SPEC_FILE, specTable } from "../helpers/spec.js";

describeNeeding([SPEC_FILE], "event formats against the spec's per-event table (§6.3)", () => {
  it("gives every table the display name and the keys, in order, of §6.3; drgcodes and hcpcsevents a name only", async () => {
    const text = readFileSync(SPEC_FILE, "utf8");
    // §6.3: one row per table.
    const rows = specTable(text, "### 6.3 Per-event specification");
    const rendered: Record<string, { display: string; keys: string[] }> = {};
    const unrendered: Record<string, string> = {};
    for (const [file, , display, keys] of rows) {
      if (keys!.includes("**not rendered**")) {
        unrendered[file!] = display!.split('"')[1]!;
        continue;
      }
      rendered[file!] = {
        display: display!.replace(/ \*\(sic\)\*$/, ""),
        // `a→A, b→B`, or `a, b, c (→ A, B, C)`; `*(none)*` for none.
        keys: keys!.startsWith("*(none)*")
          ? []
          : keys!
              .split(" (→")[0]!
              .split(", ")
              .map((k) => k.split("→")[0]!),
      };
    }
    expect(Object.keys(rendered)).toHaveLength(28);
    // Imported afresh inside the test: the tables are built when the module loads, and mutation
    // testing switches a mutant on only while a test runs.
    vi.resetModules();
    const formats = await import("../../src/render/event-formats.js");
    expect(formats.EVENT_FORMATS).toEqual(rendered);
    expect(formats.UNRENDERED_EVENT_NAMES).toEqual(unrendered);
  });
});
