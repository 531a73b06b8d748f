import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe } from "vitest";
import { exportDataset } from "../../src/export/formats.js";
import { buildMatching } from "../../src/matching/build.js";
import { buildMedcalc } from "../../src/medcalc/build.js";
import { TASKS } from "../../src/tasks/registry.js";
import { describeNeeding, EHRMIND_VERL_DIR, MEDCALC_CSV, tempDir } from "../helpers/data.js";
import { MATCHING_SFT, matchingInputsFromSft } from "../helpers/matching-inputs.js";
import { rlFormatConformance } from "../helpers/rl-format-conformance.js";

const truthOf = (groundTruth: unknown): unknown => {
  const value = typeof groundTruth === "string" ? (JSON.parse(groundTruth) as unknown) : groundTruth;
  return value && typeof value === "object" && !Array.isArray(value) && "target" in value ? value.target : value;
};

describe("EHR-Bench RL rows", () => {
  const dir = tempDir();
  const data = join(dir, "bench.jsonl");
  const record = (idx: number, task: string, label: string | string[]) => {
    const def = TASKS.find((t) => t.name === task)!;
    const risk = def.type === "risk_prediction";
    return {
      idx,
      instruction: def.instruction,
      input: `## Patient Demographics [None]\n- Anchor_Age: ${60 + idx}`,
      output: Array.isArray(label) ? label.join("\n") : label,
      candidates: risk ? ["yes", "no"] : [],
      task_info: { task, task_type: def.type, label, subject_id: String(idx) },
    };
  };
  writeFileSync(
    data,
    [
      record(0, "labevents", ["Sodium", "Potassium"]),
      record(1, "ICU_Stay_7day", "no"),
      record(2, "Inpatient_Mortality", "yes"),
      record(3, "diagnoses_icd", ["Sepsis"]),
    ]
      .map((r) => JSON.stringify(r))
      .join("\n"),
  );
  rlFormatConformance({
    name: "EHR-Bench",
    build: async (format, at) =>
      (await exportDataset({ format, data, out: join(at, `ehr.${format === "verl" ? "parquet" : "jsonl"}`) })).file,
    answers: (_task, groundTruth) => {
      const truth = truthOf(groundTruth);
      if (Array.isArray(truth)) return { right: truth.join("\n"), wrong: "Not An Item" };
      return { right: String(truth), wrong: truth === "yes" ? "no" : "yes" };
    },
    verlReference: join(EHRMIND_VERL_DIR, "medcalc_test.parquet"),
  });
});

describeNeeding(
  [MEDCALC_CSV],
  "MedCalc-Bench RL rows (the real 1,047-row test set, Llama-3 pre-templated prompts)",
  () => {
    rlFormatConformance({
      name: "MedCalc-Bench",
      build: async (format, at) =>
        (await buildMedcalc({ test: MEDCALC_CSV, out: join(at, `medcalc-${format}`), format })).find(
          (f) => f.split === "test",
        )!.file,
      answers: (_task, groundTruth) => ({
        right: `<answer>\n${JSON.stringify({ answer: truthOf(groundTruth) })}\n</answer>`,
        wrong: '<answer>\n{"answer": "-123456789"}\n</answer>',
      }),
      verlReference: join(EHRMIND_VERL_DIR, "medcalc_test.parquet"),
    });
  },
);

describeNeeding(
  [MATCHING_SFT],
  "trial-matching RL rows (rebuilt from EHRMIND's 100 real SFT rows, chat messages)",
  () => {
    const dir = tempDir();
    rlFormatConformance({
      name: "trial matching",
      build: async (format, at) => {
        const { inputs } = await matchingInputsFromSft(dir);
        const built = await buildMatching({
          ...inputs,
          out: join(at, `matching-${format}`),
          format,
          template: "messages",
          valSize: 6,
        });
        return built.files.find((f) => f.split === "val")!.file;
      },
      answers: (_task, groundTruth) => {
        const { target, label_names: names } = (
          typeof groundTruth === "string" ? JSON.parse(groundTruth) : groundTruth
        ) as {
          target: number;
          label_names: string[];
        };
        const say = (i: number) => `<answer>\n${JSON.stringify({ prediction: names[i], idx: i })}\n</answer>`;
        return { right: say(target), wrong: say((target + 1) % names.length) };
      },
      verlReference: join(EHRMIND_VERL_DIR, "medcalc_test.parquet"),
    });
  },
);
