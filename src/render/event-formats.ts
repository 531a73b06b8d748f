/**
 * The reference's live renderer configuration (docs/reference.md#event-formats): each table's display
 * name and the keys shown, in order. Keys print through Python's `str.title()`.
 * `drgcodes` and `hcpcsevents` have display names but no format: they render as an empty string.
 */
export interface EventFormat {
  display: string;
  keys: readonly string[];
}

const VITALS = ["temperature", "heartrate", "resprate", "o2sat", "sbp", "dbp"] as const;

export const EVENT_FORMATS: Readonly<Record<string, EventFormat>> = {
  patients: { display: "Patient Demographics", keys: ["anchor_age", "gender"] },
  omr: { display: "Online Medical Record", keys: ["result_name", "result_value"] },
  pharmacy: { display: "Pharmacy", keys: ["medication", "proc_type", "status"] },
  prescriptions: {
    display: "Prescriptions",
    keys: ["drug", "ATC Type", "prod_strength", "dose_val_rx", "dose_unit_rx"],
  },
  poe: { display: "Provider Order Entry", keys: ["order_type", "order_subtype"] },
  procedures_icd: {
    display: "Procedures on International Classification of Diseases",
    keys: ["procedures", "CCS Type"],
  },
  services: { display: "Services", keys: ["curr_service"] },
  labevents: {
    display: "Labotary Test Events",
    keys: ["item_name", "valuenum", "valueuom", "ref_range_lower", "ref_range_upper", "flag", "comments"],
  },
  microbiologyevents: {
    display: "Microbiology Test Events",
    keys: ["test_name", "dilution_text", "interpretation", "comments", "ab_name"],
  },
  admissions: { display: "Admissions", keys: ["admission_type", "admission_location", "admission_info"] },
  transfers: { display: "Transfers", keys: ["eventtype", "careunit"] },
  emar: { display: "Electronic Medicine Administration Record", keys: ["medication", "event_txt"] },
  diagnoses_icd: { display: "Diagnoses on International Classification of Diseases", keys: ["diagnoses", "CCS Type"] },
  radiology: { display: "Radiology Examinations", keys: ["note_type", "exam_name", "text"] },
  discharge: { display: "Discharge", keys: ["note_type", "text"] },
  edstays: { display: "EDstays", keys: ["gender", "race"] },
  triage: { display: "Triage", keys: [...VITALS, "pain", "acuity", "chiefcomplaint"] },
  medrecon: { display: "Medrecon", keys: ["name", "ATC Type"] },
  pyxis: { display: "Pyxis", keys: ["name"] },
  vitalsign: { display: "Vitalsign", keys: [...VITALS, "pain", "rhythm"] },
  diagnosis: { display: "ED Diagnoses on International Classification of Diseases", keys: ["icd_title", "CCS Type"] },
  icustays: { display: "ICUstays", keys: [] },
  chartevents: { display: "Chart Events", keys: ["item_name", "valuenum", "valueuom", "warning"] },
  ingredientevents: { display: "Ingredient Events", keys: ["item_name", "amount", "amountuom", "rate", "rateuom"] },
  datetimeevents: { display: "Datetime Events", keys: ["item_name"] },
  procedureevents: {
    display: "Procedure Events",
    keys: ["item_name", "value", "valueuom", "location", "locationcategory"],
  },
  inputevents: { display: "Input Events", keys: ["item_name", "amount", "amountuom", "rate", "rateuom"] },
  outputevents: { display: "Output Events", keys: ["item_name", "value", "valueuom"] },
};

/** Display names of tables the reference names but never renders. */
export const UNRENDERED_EVENT_NAMES: Readonly<Record<string, string>> = {
  drgcodes: "Drgcodes",
  hcpcsevents: "Hcpcs Events",
};
