import { describe, expect, it } from "vitest";
import { fitToBudget } from "../../src/render/budget.js";
import type { InputParts } from "../../src/render/sample.js";
import type { TokenCounter } from "../../src/render/tokenizer.js";

/** One token per character: every count below can be worked out by hand. */
const chars: TokenCounter = { name: "characters", count: (text: string) => text.length };

const event = (i: number) => ({ index: i, text: `## Event ${i} ${"x".repeat(10)}` }); // 21 characters
const parts = (lastDischarge = ""): InputParts => ({
  demographics: "## Demographics",
  lastDischarge,
  admission: "## Admission",
  context: [0, 1, 2, 3, 4].map(event),
});
const INSTRUCTION = "Predict.";
/** input = blocks joined by "\n\n"; user = input + "\n" + instruction. */
const length = (p: InputParts) =>
  [p.demographics, p.lastDischarge, p.admission, ...p.context.map((c) => c.text)].join("\n\n").length +
  1 +
  INSTRUCTION.length;

describe("token budgets, worked by hand with a one-token-per-character counter", () => {
  const full = length(parts());
  const fit = (maxTokens: number, p = parts(), extra = {}) =>
    fitToBudget(p, { maxTokens, counter: chars, instruction: INSTRUCTION, ...extra });

  it("keeps everything when it fits, and counts exactly", () => {
    const r = fit(full);
    expect(r).toMatchObject({
      tokens: full,
      droppedEvents: 0,
      contextEvents: 5,
      dischargeTrimmed: false,
      truncated: false,
      policy: "events",
    });
    expect(r.prompt).toBe(r.user);
    expect(r.user.endsWith(`\n${INSTRUCTION}`)).toBe(true);
  });

  it("drops whole events, oldest first, and no more than needed", () => {
    // Each event costs its 21 characters plus the 2 of its separator.
    const one = fit(full - 1);
    expect(one).toMatchObject({ droppedEvents: 1, tokens: full - 23 });
    expect(one.input).not.toContain("## Event 0");
    expect(one.input).toContain("## Event 1");
    expect(fit(full - 23)).toMatchObject({ droppedEvents: 1, tokens: full - 23 });
    expect(fit(full - 24)).toMatchObject({ droppedEvents: 2, tokens: full - 46 });
    const none = fit(full - 5 * 23);
    expect(none).toMatchObject({ droppedEvents: 5, tokens: full - 5 * 23 });
    expect(none.input).toBe("## Demographics\n\n\n\n## Admission");
  });

  it("then keeps the end of the previous discharge note, and says so", () => {
    const body = "abcdefghij".repeat(6); // 60 characters
    const discharge = `## Discharge [None]\n- Text: ${body}`;
    const p = parts(discharge);
    const floor = length({ ...p, lastDischarge: "## Discharge [None]\n- Text: ", context: [] });
    const r = fit(floor + 30, p);
    expect(r).toMatchObject({ droppedEvents: 5, dischargeTrimmed: true });
    expect(r.tokens).toBeLessThanOrEqual(floor + 30);
    // The estimate keeps floor(n · 1.5) characters of the body's end for n tokens; the most that fits is kept.
    const kept = r.input.slice(r.input.indexOf("- Text: ") + 8, r.input.indexOf("\n\n## Admission"));
    expect(body.endsWith(kept)).toBe(true);
    expect(kept.length).toBe(30);
    expect(() => fit(floor - 28 - 1, p)).toThrow(
      /^the demographics, admission record and instruction alone take \d+ tokens, over the budget of \d+$/,
    );
  });

  it("refuses a budget below the fixed parts, and a budget that is not a whole number", () => {
    const floor = length({ ...parts(), context: [] });
    expect(() => fit(floor - 1)).toThrow(
      `the demographics, admission record and instruction alone take ${floor} tokens, over the budget of ${floor - 1}`,
    );
    expect(fit(floor).droppedEvents).toBe(5);
    expect(() => fit(0)).toThrow("--max-tokens must be a whole number > 0 (got 0)");
    expect(() => fit(2.5)).toThrow("--max-tokens must be a whole number > 0 (got 2.5)");
  });

  it("the reference policy keeps the last N tokens of the whole prompt", () => {
    const cut = fit(50, parts(), { policy: "reference" });
    expect(cut).toMatchObject({ tokens: 50, truncated: true, policy: "reference", droppedEvents: 0 });
    expect(cut.user.endsWith(cut.prompt)).toBe(true);
    expect(cut.prompt).toHaveLength(50);
    expect(cut.input.length).toBe(full - 1 - INSTRUCTION.length);
    expect(fit(full, parts(), { policy: "reference" })).toMatchObject({ tokens: full, truncated: false });
  });

  it("the clean format leaves empty blocks out before counting", () => {
    const clean = fit(1000, parts(), { format: "clean" });
    expect(clean.input.startsWith("## Demographics\n\n## Admission\n\n## Event 0")).toBe(true);
    expect(clean.tokens).toBe(full - 2);
  });
});
