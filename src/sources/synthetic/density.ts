import type { Sink } from "./patient.js";
import { Random } from "../../common/random.js";
import type { Cell } from "./table-writer.js";

/**
 * How dense a synthetic cohort is. `default` is the clinical model as written (about 540 rows per
 * patient: fast, for tests). `mimic-iv` matches the real rows per patient of every table the
 * reference reads (MIMIC-IV v2.2/3.x published table sizes over about 300,000 patients) within
 * ±25%, with a long tail of frequent flyers, so that benchmarks project honestly to full scale.
 */
export interface DensityProfile {
  name: string;
  /** Mean of the extra-episode exponential per patient (episodes = 1 + ⌊Exp(mean)⌋). */
  episodeMean: number;
  /** Multiplies every scenario's ICU probability. */
  icuScale: number;
  /** Share of patients with dozens of episodes (MIMIC-IV's frequent flyers). */
  frequentShare: number;
  /** Expected copies of each generated row per table (1: as generated; below 1: thinned). */
  rows: Readonly<Record<string, number>>;
  /** Mean characters of a discharge note's text (padded with further hospital-course sections). */
  dischargeChars?: number;
}

export const DENSITY_PROFILES: Readonly<Record<string, DensityProfile>> = {
  default: { name: "default", episodeMean: 1.4, icuScale: 1, frequentShare: 0, rows: {} },
  // Multipliers calibrated against 2,000 patients (seed 42) so that rows per patient land on the
  // targets in docs/benchmarks.md; `test/synthetic-density.e2e.test.ts` checks every table.
  "mimic-iv": {
    name: "mimic-iv",
    episodeMean: 1.9,
    icuScale: 0.62,
    frequentShare: 0.01,
    dischargeChars: 10_000,
    rows: {
      labevents: 2.04,
      poe: 4.97,
      emar: 1.88,
      prescriptions: 7.75,
      pharmacy: 6.84,
      omr: 6.2,
      diagnoses_icd: 3.9,
      microbiologyevents: 7.7,
      transfers: 1.24,
      chartevents: 5.76,
      ingredientevents: 2.73,
      inputevents: 2.47,
      datetimeevents: 15.1,
      outputevents: 0.48,
      procedureevents: 1.53,
      vitalsign: 0.77,
      medrecon: 3.77,
      pyxis: 1.91,
      radiology: 5.56,
    },
  },
};

/** How a copy of a row differs from its original, per table. */
interface CopyRule {
  /** Time columns (`YYYY-MM-DD HH:MM:SS` or `YYYY-MM-DD`), moved by copy number × step. */
  times: readonly string[];
  stepMinutes: number;
  /** Id columns made unique (numbers offset, strings suffixed). */
  ids?: readonly string[];
  /** Columns whose values are drawn, together, from earlier rows of the table (other codes, other drugs). */
  resample?: readonly string[];
  /** A sequence column moved past the original's (seq_num). */
  seq?: string;
}

const RULES: Readonly<Record<string, CopyRule>> = {
  labevents: { times: ["charttime", "storetime"], stepMinutes: 47, ids: ["labevent_id", "specimen_id"] },
  chartevents: { times: ["charttime", "storetime"], stepMinutes: 13 },
  datetimeevents: { times: ["charttime", "storetime"], stepMinutes: 29 },
  outputevents: { times: ["charttime", "storetime"], stepMinutes: 31 },
  inputevents: { times: ["starttime", "endtime", "storetime"], stepMinutes: 53, ids: ["orderid"] },
  ingredientevents: { times: ["starttime", "endtime", "storetime"], stepMinutes: 53, ids: ["orderid"] },
  procedureevents: { times: ["starttime", "endtime", "storetime"], stepMinutes: 97, ids: ["orderid"] },
  emar: { times: ["charttime", "scheduletime", "storetime"], stepMinutes: 61, ids: ["emar_id"], seq: "emar_seq" },
  poe: { times: ["ordertime"], stepMinutes: 37, ids: ["poe_id"], seq: "poe_seq" },
  prescriptions: {
    times: ["starttime", "stoptime"],
    stepMinutes: 71,
    ids: ["pharmacy_id"],
    resample: [
      "drug",
      "formulary_drug_cd",
      "gsn",
      "ndc",
      "prod_strength",
      "form_rx",
      "dose_val_rx",
      "dose_unit_rx",
      "route",
    ],
  },
  pharmacy: {
    times: ["starttime", "stoptime", "entertime", "verifiedtime"],
    stepMinutes: 71,
    ids: ["pharmacy_id"],
    resample: ["medication", "route", "frequency"],
  },
  omr: { times: ["chartdate"], stepMinutes: 60 * 24 * 9, seq: "seq_num" },
  diagnoses_icd: { times: [], stepMinutes: 0, seq: "seq_num", resample: ["icd_code", "icd_version"] },
  microbiologyevents: {
    times: ["chartdate", "charttime", "storedate", "storetime"],
    stepMinutes: 60 * 11,
    ids: ["microevent_id", "micro_specimen_id"],
  },
  transfers: { times: ["intime", "outtime"], stepMinutes: 0, ids: ["transfer_id"] },
  radiology: { times: ["charttime", "storetime"], stepMinutes: 60 * 7, ids: ["note_id"], seq: "note_seq" },
  vitalsign: { times: ["charttime"], stepMinutes: 41 },
  medrecon: {
    times: ["charttime"],
    stepMinutes: 0,
    resample: ["name", "gsn", "ndc", "etc_rn", "etccode", "etcdescription"],
  },
  pyxis: { times: ["charttime"], stepMinutes: 23, resample: ["med_rn", "name", "gsn_rn", "gsn"] },
};

const RESERVOIR = 4096;

/**
 * A sink that writes each row as many times as the profile asks (on average), each copy moved in
 * time and given its own ids, from its own random stream: the base cohort for a seed stays the same.
 */
export class DensitySink implements Sink {
  private readonly rng: Random;
  private readonly seen = new Map<string, Record<string, Cell>[]>();
  private copies = 0;

  constructor(
    private readonly inner: Sink,
    private readonly profile: DensityProfile,
    seed: number,
  ) {
    this.rng = new Random(seed, 0x64656e73);
  }

  add(table: string, row: Readonly<Record<string, Cell>>): void {
    const m = this.profile.rows[table] ?? 1;
    const rule = RULES[table];
    if (m === 1 || !rule) return this.inner.add(table, table === "discharge" ? this.padded(row) : row);
    const n = Math.floor(m) + (this.rng.next() < m - Math.floor(m) ? 1 : 0);
    if (rule.resample) this.remember(table, row, rule.resample);
    for (let copy = 0; copy < n; copy++) this.inner.add(table, copy === 0 ? row : this.copy(table, row, rule, copy));
  }

  private remember(table: string, row: Readonly<Record<string, Cell>>, columns: readonly string[]): void {
    const pool = this.seen.get(table) ?? this.seen.set(table, []).get(table)!;
    const values = Object.fromEntries(columns.map((c) => [c, row[c] ?? null]));
    if (pool.length < RESERVOIR) pool.push(values);
    else pool[this.rng.int(0, RESERVOIR - 1)] = values;
  }

  private copy(table: string, row: Readonly<Record<string, Cell>>, rule: CopyRule, copy: number): Record<string, Cell> {
    const out: Record<string, Cell> = { ...row };
    const minutes =
      copy * rule.stepMinutes + (rule.stepMinutes ? this.rng.int(0, Math.max(1, Math.floor(rule.stepMinutes / 3))) : 0);
    for (const column of rule.times) out[column] = shiftTime(row[column] ?? null, minutes);
    const tag = ++this.copies;
    for (const column of rule.ids ?? []) {
      const value = row[column];
      if (typeof value === "number") out[column] = value + 900_000_000 + tag;
      else if (typeof value === "string") out[column] = `${value}-c${tag}`;
    }
    if (rule.seq) {
      const seq = row[rule.seq];
      if (typeof seq === "number") out[rule.seq] = seq + copy * 100;
    }
    if (rule.resample) {
      const pool = this.seen.get(table);
      if (pool?.length) Object.assign(out, pool[this.rng.int(0, pool.length - 1)]);
    }
    return out;
  }

  /** A discharge note lengthened towards the profile's size with further hospital-course sections. */
  private padded(row: Readonly<Record<string, Cell>>): Readonly<Record<string, Cell>> {
    const target = this.profile.dischargeChars;
    const text = row.text;
    if (!target || typeof text !== "string") return row;
    const want = Math.max(text.length, Math.round(this.rng.logNormal(target * 0.9, 0.45)));
    const sections: string[] = [text];
    let length = text.length;
    for (let day = 1; length < want; day++) {
      const s = COURSE[(day + this.rng.int(0, COURSE.length - 1)) % COURSE.length]!;
      const section = `\nHospital Day ${day}:\n${s}\n `;
      sections.push(section);
      length += section.length;
    }
    return { ...row, text: sections.join("") };
  }
}

const COURSE = [
  "Patient remained hemodynamically stable overnight. Labs were notable for a stable creatinine and a mild leukocytosis that was trended. Continued on home medications with adjustments as below.",
  "Tolerating a regular diet. Pain well controlled on oral regimen. Physical therapy evaluated the patient and recommended discharge home with services once ambulating independently.",
  "Blood cultures from admission with no growth to date. Antibiotics were narrowed per sensitivities and the patient remained afebrile. Electrolytes repleted as needed.",
  "Overnight with an episode of tachycardia to the 120s that resolved with fluids. Telemetry otherwise unremarkable. Cardiology was consulted and recommended continuing beta blockade.",
  "Renal function improved with hydration. Foley catheter removed and the patient voided without difficulty. Home diuretic was held and will be resumed at follow up.",
  "Glucose was elevated in the setting of steroids and insulin sliding scale was titrated. Diabetes education provided. Will follow up with primary care for long term management.",
];

/** Moves a `YYYY-MM-DD HH:MM:SS` or `YYYY-MM-DD` value by whole minutes; other values are left alone. */
export function shiftTime(value: Cell, minutes: number): Cell {
  if (typeof value !== "string" || minutes === 0) return value;
  const dateOnly = /^\d{4}-\d{2}-\d{2}$/.test(value);
  if (!dateOnly && !/^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}$/.test(value)) return value;
  const ms = Date.parse(`${dateOnly ? `${value}T00:00:00` : value.replace(" ", "T")}Z`) + minutes * 60_000;
  const iso = new Date(ms).toISOString();
  return dateOnly ? iso.slice(0, 10) : `${iso.slice(0, 10)} ${iso.slice(11, 19)}`;
}
