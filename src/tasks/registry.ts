import { UsageError } from "../errors.js";

/**
 * Every EHR-R1 task as data (reference-data-and-tasks.md §8): what it predicts, from which event,
 * how it is scored, what its context hides, and the instruction exactly as the reference wrote it
 * (typos and missing periods included: the released models learned them).
 */
export type TaskType = "decision_making" | "risk_prediction";
export type Metric = "em" | "recall" | "acc" | "rouge" | "aucroc";

/**
 * How a task's context window and label are found.
 * - `next-items`: the items of event t; context [b, t), b the first event of t's admission within 24 h before it.
 * - `next-event`: like next-items; the label is t's event type.
 * - `ed-stay`, `admission-24h`, `icu-24h`, `discharge-note`: the risk anchors of §8.3.
 */
export type WindowRule = "next-items" | "next-event" | "ed-stay" | "admission-24h" | "icu-24h" | "discharge-note";

export interface TaskDefinition {
  name: string;
  type: TaskType;
  /** The anchor (and, for decision tasks, target) event type; `any` for next_event. */
  event: string;
  /** Key of the target event's rows whose values are the label (decision tasks). */
  targetKey: string | null;
  metric: Metric;
  /** Event types removed from the context (the reference's `bid_event`). */
  excludedEvents: readonly string[];
  instruction: string;
  window: WindowRule;
}

const DECISION_PREFIX = "Given the sequence of events that have occurred in a hospital, please give the next ";
const DECISION_SUFFIX = " suggestion for the patients.";
const RISK_PREFIX = "Given the sequence of events that have occurred in a hospital, please predict whether ";

function decision(
  name: string,
  event: string,
  targetKey: string,
  metric: Metric,
  slot: string,
  excluded: string[] = [],
): TaskDefinition {
  return {
    name,
    type: "decision_making",
    event,
    targetKey,
    metric,
    excludedEvents: excluded,
    instruction: `${DECISION_PREFIX}${slot}${DECISION_SUFFIX}`,
    window: "next-items",
  };
}

function risk(name: string, event: string, window: WindowRule, clause: string): TaskDefinition {
  return {
    name,
    type: "risk_prediction",
    event,
    targetKey: null,
    metric: "aucroc",
    excludedEvents: [],
    instruction: `${RISK_PREFIX}${clause}`,
    window,
  };
}

export const TASKS: readonly TaskDefinition[] = [
  decision("admissions", "admissions", "admission_type", "em", "Admissions"),
  decision("omr", "omr", "result_name", "em", "Online Medical Record"),
  decision(
    "procedures_icd",
    "procedures_icd",
    "procedures",
    "recall",
    "Procedures International Classification of Diseases Item",
  ),
  decision(
    "procedures_ccs",
    "procedures_icd",
    "CCS Type",
    "recall",
    "Procedures Clinical Classifications Software Item",
  ),
  decision(
    "diagnoses_icd",
    "diagnoses_icd",
    "diagnoses",
    "recall",
    "Diagnoses International Classification of Diseases Item",
    ["discharge"],
  ),
  decision("diagnoses_ccs", "diagnoses_icd", "CCS Type", "recall", "Diagnoses Clinical Classifications Software Item", [
    "discharge",
  ]),
  decision("labevents", "labevents", "item_name", "em", "Labotary Test Events"),
  decision("microbiologyevents", "microbiologyevents", "test_name", "em", "Microbiology Test Events"),
  decision("services", "services", "curr_service", "em", "Services"),
  decision("transfers", "transfers", "eventtype", "em", "Transfers"),
  decision("emar", "emar", "medication", "em", "Electronic Medicine Administration Record"),
  decision("poe", "poe", "order_type", "em", "Provider Order Entry"),
  decision("prescriptions", "prescriptions", "drug", "recall", "Prescriptions"),
  decision(
    "prescriptions_atc",
    "prescriptions",
    "ATC Type",
    "recall",
    "Anatomical Therapeutic Chemical Classification Prescriptions",
  ),
  decision("radiology", "radiology", "exam_name", "em", "Radiology Examinations"),
  decision("discharge", "discharge", "text", "rouge", "Discharge Report"),
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
    ["discharge"],
  ),
  decision(
    "diagnosis_ccs",
    "diagnosis",
    "CCS Type",
    "recall",
    "ED Diagnoses on Clinical Classifications Software Item",
    ["discharge"],
  ),
  decision("chartevents", "chartevents", "item_name", "em", "Chart Events"),
  decision("ingredientevents", "ingredientevents", "item_name", "em", "Ingredient Events"),
  decision("datetimeevents", "datetimeevents", "item_name", "em", "Datetime Events"),
  decision("procedureevents", "procedureevents", "item_name", "em", "Procedure Events"),
  decision("inputevents", "inputevents", "item_name", "em", "Input Events"),
  decision("outputevents", "outputevents", "item_name", "em", "Output Events"),
  { ...decision("next_event", "any", "file_name", "acc", "event"), window: "next-event" },

  risk("ED_Hospitalization", "edstays", "ed-stay", "the patient will be hospitalized after the emergency room visit."),
  risk("ED_Inpatient_Mortality", "edstays", "ed-stay", "the patient will die during hospitalization."),
  risk(
    "ED_ICU_Tranfer_12hour",
    "edstays",
    "ed-stay",
    "the patient will be transferred to the ICU within 12 hours after the emergency room.",
  ),
  risk(
    "ED_Reattendance_3day",
    "edstays",
    "ed-stay",
    "the patient will return to the emergency department within 72 hours after the emergency visit.",
  ),
  risk(
    "ED_Critical_Outcomes",
    "edstays",
    "ed-stay",
    "the patient will die during hospitalization or will be transferred to the ICU within 12 hours after the emergency room.",
  ),
  risk(
    "Readmission_30day",
    "discharge",
    "discharge-note",
    "the patient will be readmitted to the hospital within 30 days",
  ),
  risk(
    "Readmission_60day",
    "discharge",
    "discharge-note",
    "the patient will be readmitted to the hospital within 60 days",
  ),
  risk("Inpatient_Mortality", "admissions", "admission-24h", "the patient will die during hospitalization."),
  risk("LengthOfStay_3day", "admissions", "admission-24h", "the patient's hospital stay will exceed 3 days."),
  risk("LengthOfStay_7day", "admissions", "admission-24h", "the patient's hospital stay will exceed 7 days"),
  ...[1, 2, 3, 7, 14].map((n) =>
    risk(`ICU_Mortality_${n}day`, "icustays", "icu-24h", `the patient will die within ${n} day.`),
  ),
  risk("ICU_Stay_7day", "icustays", "icu-24h", "the patient will stay in the ICU for more than 7 days."),
  risk("ICU_Stay_14day", "icustays", "icu-24h", "the patient will stay in the ICU for more than 14 days."),
  risk(
    "ICU_Readmission",
    "icustays",
    "icu-24h",
    "the patient will be admitted to the ICU again during this hospitalization",
  ),
];

const BY_NAME = new Map(TASKS.map((t) => [t.name, t]));

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
