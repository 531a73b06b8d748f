import { UsageError } from "../errors.js";

/**
 * Every EHR-R1 task as data (docs/reference.md#tasks): what it predicts, from which event,
 * how it is scored, what its context hides, and the instruction exactly as the reference wrote it
 * (typos and missing periods included: the released models learned them).
 */
export type TaskType = "decision_making" | "risk_prediction";
export type Metric = "em" | "recall" | "acc" | "rouge" | "aucroc";

/**
 * How a task's context window and label are found.
 * - `next-items`: the items of event t; context [b, t), b the first event of t's admission within 24 h before it.
 * - `next-event`: like next-items; the label is t's event type.
 * - `ed-stay`, `admission-24h`, `icu-24h`, `discharge-note`: the risk anchors of docs/reference.md#risk-tasks.
 */
export type WindowRule = "next-items" | "next-event" | "ed-stay" | "admission-24h" | "icu-24h" | "discharge-note";

/**
 * What a task's label is and how it is read (docs/reference.md#labels, docs/reference.md#risk-tasks). Every label is stored as a list of
 * strings (`tasks.task_index.target VARCHAR[]`); `items` keeps the whole list, the other kinds one
 * value.
 * - `items`: the distinct values of `key` over the target event's rows, by first position.
 *   `preferKey`: that key's value where it is not `nan` (transfers: care unit, else event type);
 *   `listValued`: the key holds a list and each element is a value (radiology's exam names).
 * - `text`: the one non-empty value of `key` (an event with several yields no sample).
 * - `event-type`: the target event's type.
 * - `yes-no`: `rule` over the facts of the task's risk anchor ({@link RISK_FACTS}); `onlyWhen`: a
 *   fact a sample needs to exist at all.
 */
export type LabelRule =
  | { kind: "items"; key: string; preferKey?: string; listValued?: boolean }
  | { kind: "text"; key: string }
  | { kind: "event-type" }
  | { kind: "yes-no"; rule: RiskRule; onlyWhen?: string };
export type LabelKind = LabelRule["kind"];

/**
 * A risk label as data, over the facts of its anchor (times and yes/no facts, {@link RISK_FACTS}).
 * A fact that is NULL makes a rule false.
 * - `fact`: a yes/no fact;
 * - `diedBy`: a date of death is recorded and is not before `time`;
 * - `within`: `to` happened less than `hours` after `from` (or before it);
 * - `longerThan`: more than `hours` from `from` to `to` (at least, when `inclusive`);
 * - `anyOf`: one of the rules holds.
 */
export type RiskRule =
  | { rule: "fact"; fact: string }
  | { rule: "diedBy"; time: string }
  | { rule: "within"; from: string; to: string; hours: number }
  | { rule: "longerThan"; from: string; to: string; hours: number; inclusive?: boolean }
  | { rule: "anyOf"; of: readonly RiskRule[] };

/** Risk windows only: the facts each anchor type provides to its tasks' rules. */
export type RiskWindow = Exclude<WindowRule, "next-items" | "next-event">;
export const RISK_FACTS: Record<RiskWindow, readonly string[]> = {
  "admission-24h": ["admittime", "dischtime", "dod", "still_admitted"],
  "icu-24h": ["intime", "outtime", "window_end", "dod", "icu_readmitted"],
  "ed-stay": ["outtime", "admitted", "icu_time", "next_ed_time", "last_time", "dod"],
  "discharge-note": ["note_time", "next_admission_time"],
};

/**
 * How the sampler treats a task (docs/reference.md#sampling): `weighted` draws by inverse label frequency (risk tasks
 * and the reference's chartevents, emar, next_event); `admissionInContext` drops samples whose
 * context starts after their admission record (the reference's step 3 for ICD and CCS codes);
 * `maxLabels` drops samples with that many labels or more (overridable by `maxChartLabels`).
 */
export interface SamplingPolicy {
  weighted: boolean;
  admissionInContext: boolean;
  maxLabels?: number;
}

/** What a sample offers as answer choices: drawn from other samples' labels, yes/no, or none (free text). */
export type CandidatePolicy = "pool" | "yes-no" | "none";

export interface TaskDefinition {
  name: string;
  type: TaskType;
  /** The anchor (and, for decision tasks, target) event type; `any` for next_event. */
  event: string;
  /** Key of the target event's rows whose values are the label (decision tasks), as task_info names it. */
  targetKey: string | null;
  label: LabelRule;
  metric: Metric;
  /** The metric GRPO rewards (the reference's grpo.py: F1 for every item list, recall tasks included). */
  reward: Metric;
  /** Event types removed from the context (the reference's `bid_event`). */
  excludedEvents: readonly string[];
  instruction: string;
  window: WindowRule;
  /** The input leaves out the admission record (a task whose answer is that record's own fields). */
  hidesAdmissionRecord: boolean;
  sampling: SamplingPolicy;
  candidates: CandidatePolicy;
}

const DECISION_PREFIX = "Given the sequence of events that have occurred in a hospital, please give the next ";
const DECISION_SUFFIX = " suggestion for the patients.";
const RISK_PREFIX = "Given the sequence of events that have occurred in a hospital, please predict whether ";

interface DecisionExtras {
  excluded?: string[];
  label?: LabelRule;
  sampling?: Partial<SamplingPolicy>;
}

function decision(
  name: string,
  event: string,
  targetKey: string,
  metric: Metric,
  slot: string,
  extras: DecisionExtras = {},
): TaskDefinition {
  const label = extras.label ?? { kind: "items", key: targetKey };
  return {
    name,
    type: "decision_making",
    event,
    targetKey,
    label,
    metric,
    reward: metric === "recall" ? "em" : metric,
    excludedEvents: extras.excluded ?? [],
    instruction: `${DECISION_PREFIX}${slot}${DECISION_SUFFIX}`,
    window: label.kind === "event-type" ? "next-event" : "next-items",
    hidesAdmissionRecord: event === "admissions",
    sampling: { weighted: false, admissionInContext: false, ...extras.sampling },
    candidates: label.kind === "text" ? "none" : "pool",
  };
}

function risk(
  name: string,
  event: string,
  window: RiskWindow,
  clause: string,
  rule: RiskRule,
  onlyWhen?: string,
): TaskDefinition {
  return {
    name,
    type: "risk_prediction",
    event,
    targetKey: null,
    label: { kind: "yes-no", rule, ...(onlyWhen ? { onlyWhen } : {}) },
    metric: "aucroc",
    reward: "aucroc",
    excludedEvents: [],
    instruction: `${RISK_PREFIX}${clause}`,
    window,
    hidesAdmissionRecord: false,
    sampling: { weighted: true, admissionInContext: false },
    candidates: "yes-no",
  };
}

const ADMISSION_IN_CONTEXT = { sampling: { admissionInContext: true } };
const WEIGHTED = { sampling: { weighted: true } };
const within = (from: string, to: string, hours: number): RiskRule => ({ rule: "within", from, to, hours });
/** ED outcomes: death at or after the admission's last event; an ICU stay of the admission within 12 h of ED departure. */
const DIED_AFTER_ED: RiskRule = { rule: "diedBy", time: "last_time" };
const ICU_AFTER_ED = within("outtime", "icu_time", 12);

export const TASKS: readonly TaskDefinition[] = [
  decision("admissions", "admissions", "admission_type", "em", "Admissions"),
  decision("omr", "omr", "result_name", "em", "Online Medical Record"),
  decision(
    "procedures_icd",
    "procedures_icd",
    "procedures",
    "recall",
    "Procedures International Classification of Diseases Item",
    ADMISSION_IN_CONTEXT,
  ),
  decision(
    "procedures_ccs",
    "procedures_icd",
    "CCS Type",
    "recall",
    "Procedures Clinical Classifications Software Item",
    ADMISSION_IN_CONTEXT,
  ),
  decision(
    "diagnoses_icd",
    "diagnoses_icd",
    "diagnoses",
    "recall",
    "Diagnoses International Classification of Diseases Item",
    { ...ADMISSION_IN_CONTEXT, excluded: ["discharge"] },
  ),
  decision("diagnoses_ccs", "diagnoses_icd", "CCS Type", "recall", "Diagnoses Clinical Classifications Software Item", {
    ...ADMISSION_IN_CONTEXT,
    excluded: ["discharge"],
  }),
  decision("labevents", "labevents", "item_name", "em", "Labotary Test Events"),
  decision("microbiologyevents", "microbiologyevents", "test_name", "em", "Microbiology Test Events"),
  decision("services", "services", "curr_service", "em", "Services"),
  decision("transfers", "transfers", "eventtype", "em", "Transfers", {
    label: { kind: "items", key: "eventtype", preferKey: "careunit" },
  }),
  decision("emar", "emar", "medication", "em", "Electronic Medicine Administration Record", WEIGHTED),
  decision("poe", "poe", "order_type", "em", "Provider Order Entry"),
  decision("prescriptions", "prescriptions", "drug", "recall", "Prescriptions"),
  decision(
    "prescriptions_atc",
    "prescriptions",
    "ATC Type",
    "recall",
    "Anatomical Therapeutic Chemical Classification Prescriptions",
  ),
  decision("radiology", "radiology", "exam_name", "em", "Radiology Examinations", {
    label: { kind: "items", key: "exam_name", listValued: true },
  }),
  decision("discharge", "discharge", "text", "rouge", "Discharge Report", { label: { kind: "text", key: "text" } }),
  decision("medrecon", "medrecon", "name", "recall", "ED Medrecon"),
  decision(
    "medrecon_atc",
    "medrecon",
    "ATC Type",
    "recall",
    "ED Medrecon on Anatomical Therapeutic Chemical (ATC) Classification",
  ),
  decision("pyxis", "pyxis", "name", "em", "ED Pyxis"),
  decision(
    "diagnosis",
    "diagnosis",
    "icd_title",
    "recall",
    "ED Diagnoses on International Classification of Diseases",
    { excluded: ["discharge"] },
  ),
  decision(
    "diagnosis_ccs",
    "diagnosis",
    "CCS Type",
    "recall",
    "ED Diagnoses on Clinical Classifications Software Item",
    { excluded: ["discharge"] },
  ),
  decision("chartevents", "chartevents", "item_name", "em", "Chart Events", {
    sampling: { weighted: true, maxLabels: 10 },
  }),
  decision("ingredientevents", "ingredientevents", "item_name", "em", "Ingredient Events"),
  decision("datetimeevents", "datetimeevents", "item_name", "em", "Datetime Events"),
  decision("procedureevents", "procedureevents", "item_name", "em", "Procedure Events"),
  decision("inputevents", "inputevents", "item_name", "em", "Input Events"),
  decision("outputevents", "outputevents", "item_name", "em", "Output Events"),
  decision("next_event", "any", "file_name", "acc", "event", { label: { kind: "event-type" }, ...WEIGHTED }),

  risk("ED_Hospitalization", "edstays", "ed-stay", "the patient will be hospitalized after the emergency room visit.", {
    rule: "fact",
    fact: "admitted",
  }),
  risk("ED_Inpatient_Mortality", "edstays", "ed-stay", "the patient will die during hospitalization.", DIED_AFTER_ED),
  risk(
    "ED_ICU_Tranfer_12hour",
    "edstays",
    "ed-stay",
    "the patient will be transferred to the ICU within 12 hours after the emergency room.",
    ICU_AFTER_ED,
  ),
  risk(
    "ED_Reattendance_3day",
    "edstays",
    "ed-stay",
    "the patient will return to the emergency department within 72 hours after the emergency visit.",
    within("outtime", "next_ed_time", 72),
  ),
  risk(
    "ED_Critical_Outcomes",
    "edstays",
    "ed-stay",
    "the patient will die during hospitalization or will be transferred to the ICU within 12 hours after the emergency room.",
    { rule: "anyOf", of: [ICU_AFTER_ED, DIED_AFTER_ED] },
  ),
  risk(
    "Readmission_30day",
    "discharge",
    "discharge-note",
    "the patient will be readmitted to the hospital within 30 days",
    within("note_time", "next_admission_time", 30 * 24),
  ),
  risk(
    "Readmission_60day",
    "discharge",
    "discharge-note",
    "the patient will be readmitted to the hospital within 60 days",
    within("note_time", "next_admission_time", 60 * 24),
  ),
  risk("Inpatient_Mortality", "admissions", "admission-24h", "the patient will die during hospitalization.", {
    rule: "diedBy",
    time: "dischtime",
  }),
  // Length of stay is only asked of admissions still running when the first-day window closes.
  risk(
    "LengthOfStay_3day",
    "admissions",
    "admission-24h",
    "the patient's hospital stay will exceed 3 days.",
    { rule: "longerThan", from: "admittime", to: "dischtime", hours: 72 },
    "still_admitted",
  ),
  risk(
    "LengthOfStay_7day",
    "admissions",
    "admission-24h",
    "the patient's hospital stay will exceed 7 days",
    { rule: "longerThan", from: "admittime", to: "dischtime", hours: 168 },
    "still_admitted",
  ),
  ...[1, 2, 3, 7, 14].map((n) =>
    risk(
      `ICU_Mortality_${n}day`,
      "icustays",
      "icu-24h",
      `the patient will die within ${n} day.`,
      within("window_end", "dod", n * 24),
    ),
  ),
  risk("ICU_Stay_7day", "icustays", "icu-24h", "the patient will stay in the ICU for more than 7 days.", {
    rule: "longerThan",
    from: "intime",
    to: "outtime",
    hours: 168,
    inclusive: true,
  }),
  risk("ICU_Stay_14day", "icustays", "icu-24h", "the patient will stay in the ICU for more than 14 days.", {
    rule: "longerThan",
    from: "intime",
    to: "outtime",
    hours: 336,
    inclusive: true,
  }),
  risk(
    "ICU_Readmission",
    "icustays",
    "icu-24h",
    "the patient will be admitted to the ICU again during this hospitalization",
    { rule: "fact", fact: "icu_readmitted" },
  ),
];

const BY_NAME = new Map(TASKS.map((t) => [t.name, t]));

/** The task of that name, or undefined (a released benchmark may hold tasks this registry lacks). */
export function findTask(name: string): TaskDefinition | undefined {
  return BY_NAME.get(name);
}

export function task(name: string): TaskDefinition {
  const found = BY_NAME.get(name);
  if (!found) throw new UsageError(`unknown task ${name} (known: ${TASKS.map((t) => t.name).join(", ")})`);
  return found;
}

/** Task names from a user list (`labevents,ICU_Stay_7day`); every name is checked. All tasks when empty. */
export function selectTasks(names?: readonly string[]): TaskDefinition[] {
  if (!names?.length) return [...TASKS];
  const unknown = names.filter((n) => !BY_NAME.has(n));
  if (unknown.length) throw new UsageError(`unknown task(s) ${unknown.join(", ")} (see \`ehr-r1 tasks list\`)`);
  return TASKS.filter((t) => names.includes(t.name));
}
