/**
 * MIMIC-IV table schemas (hosp and icu v2.2–v3.1, MIMIC-IV-ED 2.2, MIMIC-IV-Note 2.2).
 *
 * Types follow the PhysioNet data dictionary and MIT-LCP's DDL. They are applied explicitly when a
 * file is read: nothing is sniffed, so an `icd_code` of `0389` or an NDC of `00904198261` keeps its
 * leading zeros, and a column that is empty in the first million rows still gets its real type.
 * Columns are matched by lower-cased name, so v2.2's `ORIGINALAMOUNT` and v3's `originalamount`
 * land in the same column.
 */

export type Module = "hosp" | "icu" | "ed" | "note";
export const MODULES: readonly Module[] = ["hosp", "note", "ed", "icu"];

/** Why a table is in the store: events feed timelines; dictionaries feed rendering; the rest is kept for completeness. */
export type TableRole = "event" | "dictionary" | "detail";

export interface TableSpec {
  module: Module;
  name: string;
  role: TableRole;
  /** [column, DuckDB type] in the order of the official files. */
  columns: readonly (readonly [string, string])[];
  /** Loaded without `--all-tables`: everything the EHR-R1 pipeline reads. */
  loadByDefault: boolean;
  /** Columns the pipeline cannot do without; a file lacking one is rejected. */
  requiredColumns: readonly string[];
}

const I = "INTEGER";
const BI = "BIGINT";
const S = "SMALLINT";
const D = "DOUBLE";
const T = "TIMESTAMP";
const DT = "DATE";
const V = "VARCHAR";

type Cols = readonly (readonly [string, string])[];
function table(
  module: Module,
  name: string,
  role: TableRole,
  columns: Cols,
  options: { loadByDefault?: boolean; required?: readonly string[] } = {},
): TableSpec {
  return {
    module,
    name,
    role,
    columns,
    loadByDefault: options.loadByDefault ?? true,
    requiredColumns: options.required ?? (columns.some(([c]) => c === "subject_id") ? ["subject_id"] : []),
  };
}

export const TABLES: readonly TableSpec[] = [
  // ── hosp ──────────────────────────────────────────────────────────────────────────────────────
  table("hosp", "admissions", "event", [
    ["subject_id", I], ["hadm_id", I], ["admittime", T], ["dischtime", T], ["deathtime", T],
    ["admission_type", V], ["admit_provider_id", V], ["admission_location", V], ["discharge_location", V],
    ["insurance", V], ["language", V], ["marital_status", V], ["race", V], ["edregtime", T], ["edouttime", T],
    ["hospital_expire_flag", S],
  ], { required: ["subject_id", "hadm_id", "admittime", "dischtime"] }),
  table("hosp", "patients", "event", [
    ["subject_id", I], ["gender", V], ["anchor_age", S], ["anchor_year", S], ["anchor_year_group", V], ["dod", DT],
  ], { required: ["subject_id", "gender", "anchor_age"] }),
  table("hosp", "transfers", "event", [
    ["subject_id", I], ["hadm_id", I], ["transfer_id", I], ["eventtype", V], ["careunit", V], ["intime", T], ["outtime", T],
  ], { required: ["subject_id", "intime"] }),
  table("hosp", "services", "event", [
    ["subject_id", I], ["hadm_id", I], ["transfertime", T], ["prev_service", V], ["curr_service", V],
  ], { required: ["subject_id", "transfertime"] }),
  table("hosp", "diagnoses_icd", "event", [
    ["subject_id", I], ["hadm_id", I], ["seq_num", I], ["icd_code", V], ["icd_version", S],
  ], { required: ["subject_id", "hadm_id", "icd_code", "icd_version"] }),
  table("hosp", "procedures_icd", "event", [
    ["subject_id", I], ["hadm_id", I], ["seq_num", I], ["chartdate", DT], ["icd_code", V], ["icd_version", S],
  ], { required: ["subject_id", "chartdate", "icd_code", "icd_version"] }),
  table("hosp", "drgcodes", "event", [
    ["subject_id", I], ["hadm_id", I], ["drg_type", V], ["drg_code", V], ["description", V],
    ["drg_severity", S], ["drg_mortality", S],
  ]),
  table("hosp", "hcpcsevents", "event", [
    ["subject_id", I], ["hadm_id", I], ["chartdate", DT], ["hcpcs_cd", V], ["seq_num", I], ["short_description", V],
  ]),
  table("hosp", "labevents", "event", [
    ["labevent_id", BI], ["subject_id", I], ["hadm_id", I], ["specimen_id", BI], ["itemid", I],
    ["order_provider_id", V], ["charttime", T], ["storetime", T], ["value", V], ["valuenum", D], ["valueuom", V],
    ["ref_range_lower", D], ["ref_range_upper", D], ["flag", V], ["priority", V], ["comments", V],
  ], { required: ["subject_id", "itemid", "charttime"] }),
  table("hosp", "microbiologyevents", "event", [
    ["microevent_id", BI], ["subject_id", I], ["hadm_id", I], ["micro_specimen_id", BI], ["order_provider_id", V],
    ["chartdate", T], ["charttime", T], ["spec_itemid", I], ["spec_type_desc", V], ["test_seq", I],
    ["storedate", T], ["storetime", T], ["test_itemid", I], ["test_name", V], ["org_itemid", I], ["org_name", V],
    ["isolate_num", S], ["quantity", V], ["ab_itemid", I], ["ab_name", V], ["dilution_text", V],
    ["dilution_comparison", V], ["dilution_value", D], ["interpretation", V], ["comments", V],
  ], { required: ["subject_id", "chartdate", "test_name"] }),
  table("hosp", "omr", "event", [
    ["subject_id", I], ["chartdate", DT], ["seq_num", I], ["result_name", V], ["result_value", V],
  ], { required: ["subject_id", "chartdate", "result_name"] }),
  table("hosp", "pharmacy", "event", [
    ["subject_id", I], ["hadm_id", I], ["pharmacy_id", BI], ["poe_id", V], ["starttime", T], ["stoptime", T],
    ["medication", V], ["proc_type", V], ["status", V], ["entertime", T], ["verifiedtime", T], ["route", V],
    ["frequency", V], ["disp_sched", V], ["infusion_type", V], ["sliding_scale", V], ["lockout_interval", V],
    ["basal_rate", D], ["one_hr_max", V], ["doses_per_24_hrs", D], ["duration", D], ["duration_interval", V],
    ["expiration_value", I], ["expiration_unit", V], ["expirationdate", T], ["dispensation", V], ["fill_quantity", V],
  ], { required: ["subject_id", "entertime"] }),
  table("hosp", "poe", "event", [
    ["poe_id", V], ["poe_seq", I], ["subject_id", I], ["hadm_id", I], ["ordertime", T], ["order_type", V],
    ["order_subtype", V], ["transaction_type", V], ["discontinue_of_poe_id", V], ["discontinued_by_poe_id", V],
    ["order_provider_id", V], ["order_status", V],
  ], { required: ["subject_id", "ordertime", "order_type"] }),
  table("hosp", "prescriptions", "event", [
    ["subject_id", I], ["hadm_id", I], ["pharmacy_id", BI], ["poe_id", V], ["poe_seq", I], ["order_provider_id", V],
    ["starttime", T], ["stoptime", T], ["drug_type", V], ["drug", V], ["formulary_drug_cd", V], ["gsn", V],
    ["ndc", V], ["prod_strength", V], ["form_rx", V], ["dose_val_rx", V], ["dose_unit_rx", V],
    ["form_val_disp", V], ["form_unit_disp", V], ["doses_per_24_hrs", D], ["route", V],
  ], { required: ["subject_id", "starttime", "drug"] }),
  table("hosp", "emar", "event", [
    ["subject_id", I], ["hadm_id", I], ["emar_id", V], ["emar_seq", I], ["poe_id", V], ["pharmacy_id", BI],
    ["enter_provider_id", V], ["charttime", T], ["medication", V], ["event_txt", V], ["scheduletime", T], ["storetime", T],
  ], { required: ["subject_id", "charttime"] }),
  table("hosp", "emar_detail", "detail", [
    ["subject_id", I], ["emar_id", V], ["emar_seq", I], ["parent_field_ordinal", V], ["administration_type", V],
    ["pharmacy_id", BI], ["barcode_type", V], ["reason_for_no_barcode", V], ["complete_dose_not_given", V],
    ["dose_due", V], ["dose_due_unit", V], ["dose_given", V], ["dose_given_unit", V],
    ["will_remainder_of_dose_be_given", V], ["product_amount_given", V], ["product_unit", V], ["product_code", V],
    ["product_description", V], ["product_description_other", V], ["prior_infusion_rate", V], ["infusion_rate", V],
    ["infusion_rate_adjustment", V], ["infusion_rate_adjustment_amount", V], ["infusion_rate_unit", V], ["route", V],
    ["infusion_complete", V], ["completion_interval", V], ["new_iv_bag_hung", V],
    ["continued_infusion_in_other_location", V], ["restart_interval", V], ["side", V], ["site", V],
    ["non_formulary_visual_verification", V],
  ], { loadByDefault: false }),
  table("hosp", "poe_detail", "detail", [
    ["poe_id", V], ["poe_seq", I], ["subject_id", I], ["field_name", V], ["field_value", V],
  ], { loadByDefault: false }),
  table("hosp", "provider", "detail", [["provider_id", V]], { loadByDefault: false, required: ["provider_id"] }),
  table("hosp", "d_labitems", "dictionary", [["itemid", I], ["label", V], ["fluid", V], ["category", V]],
    { required: ["itemid", "label"] }),
  table("hosp", "d_icd_diagnoses", "dictionary", [["icd_code", V], ["icd_version", S], ["long_title", V]],
    { required: ["icd_code", "icd_version", "long_title"] }),
  table("hosp", "d_icd_procedures", "dictionary", [["icd_code", V], ["icd_version", S], ["long_title", V]],
    { required: ["icd_code", "icd_version", "long_title"] }),
  table("hosp", "d_hcpcs", "dictionary", [["code", V], ["category", S], ["long_description", V], ["short_description", V]],
    { required: ["code"] }),

  // ── icu ───────────────────────────────────────────────────────────────────────────────────────
  table("icu", "icustays", "event", [
    ["subject_id", I], ["hadm_id", I], ["stay_id", I], ["first_careunit", V], ["last_careunit", V],
    ["intime", T], ["outtime", T], ["los", D],
  ], { required: ["subject_id", "hadm_id", "stay_id", "intime", "outtime"] }),
  table("icu", "chartevents", "event", [
    ["subject_id", I], ["hadm_id", I], ["stay_id", I], ["caregiver_id", I], ["charttime", T], ["storetime", T],
    ["itemid", I], ["value", V], ["valuenum", D], ["valueuom", V], ["warning", S],
  ], { required: ["subject_id", "charttime", "itemid"] }),
  table("icu", "datetimeevents", "event", [
    ["subject_id", I], ["hadm_id", I], ["stay_id", I], ["caregiver_id", I], ["charttime", T], ["storetime", T],
    ["itemid", I], ["value", T], ["valueuom", V], ["warning", S],
  ], { required: ["subject_id", "charttime", "itemid"] }),
  table("icu", "inputevents", "event", [
    ["subject_id", I], ["hadm_id", I], ["stay_id", I], ["caregiver_id", I], ["starttime", T], ["endtime", T],
    ["storetime", T], ["itemid", I], ["amount", D], ["amountuom", V], ["rate", D], ["rateuom", V], ["orderid", BI],
    ["linkorderid", BI], ["ordercategoryname", V], ["secondaryordercategoryname", V],
    ["ordercomponenttypedescription", V], ["ordercategorydescription", V], ["patientweight", D], ["totalamount", D],
    ["totalamountuom", V], ["isopenbag", S], ["continueinnextdept", S], ["statusdescription", V],
    ["originalamount", D], ["originalrate", D],
  ], { required: ["subject_id", "starttime", "itemid"] }),
  table("icu", "ingredientevents", "event", [
    ["subject_id", I], ["hadm_id", I], ["stay_id", I], ["caregiver_id", I], ["starttime", T], ["endtime", T],
    ["storetime", T], ["itemid", I], ["amount", D], ["amountuom", V], ["rate", D], ["rateuom", V], ["orderid", BI],
    ["linkorderid", BI], ["statusdescription", V], ["originalamount", D], ["originalrate", D],
  ], { required: ["subject_id", "starttime", "itemid"] }),
  table("icu", "outputevents", "event", [
    ["subject_id", I], ["hadm_id", I], ["stay_id", I], ["caregiver_id", I], ["charttime", T], ["storetime", T],
    ["itemid", I], ["value", D], ["valueuom", V],
  ], { required: ["subject_id", "charttime", "itemid"] }),
  table("icu", "procedureevents", "event", [
    ["subject_id", I], ["hadm_id", I], ["stay_id", I], ["caregiver_id", I], ["starttime", T], ["endtime", T],
    ["storetime", T], ["itemid", I], ["value", D], ["valueuom", V], ["location", V], ["locationcategory", V],
    ["orderid", BI], ["linkorderid", BI], ["ordercategoryname", V], ["ordercategorydescription", V],
    ["patientweight", D], ["isopenbag", S], ["continueinnextdept", S], ["statusdescription", V],
    ["originalamount", D], ["originalrate", D],
  ], { required: ["subject_id", "starttime", "itemid"] }),
  table("icu", "d_items", "dictionary", [
    ["itemid", I], ["label", V], ["abbreviation", V], ["linksto", V], ["category", V], ["unitname", V],
    ["param_type", V], ["lownormalvalue", D], ["highnormalvalue", D],
  ], { required: ["itemid", "label"] }),
  table("icu", "caregiver", "detail", [["caregiver_id", I]], { loadByDefault: false, required: ["caregiver_id"] }),

  // ── ed (MIMIC-IV-ED 2.2) ──────────────────────────────────────────────────────────────────────
  table("ed", "edstays", "event", [
    ["subject_id", I], ["hadm_id", I], ["stay_id", I], ["intime", T], ["outtime", T], ["gender", V], ["race", V],
    ["arrival_transport", V], ["disposition", V],
  ], { required: ["subject_id", "stay_id", "intime", "outtime"] }),
  table("ed", "triage", "event", [
    ["subject_id", I], ["stay_id", I], ["temperature", D], ["heartrate", D], ["resprate", D], ["o2sat", D],
    ["sbp", D], ["dbp", D], ["pain", V], ["acuity", D], ["chiefcomplaint", V],
  ], { required: ["subject_id", "stay_id"] }),
  table("ed", "vitalsign", "event", [
    ["subject_id", I], ["stay_id", I], ["charttime", T], ["temperature", D], ["heartrate", D], ["resprate", D],
    ["o2sat", D], ["sbp", D], ["dbp", D], ["rhythm", V], ["pain", V],
  ], { required: ["subject_id", "stay_id", "charttime"] }),
  table("ed", "medrecon", "event", [
    ["subject_id", I], ["stay_id", I], ["charttime", T], ["name", V], ["gsn", V], ["ndc", V], ["etc_rn", S],
    ["etccode", V], ["etcdescription", V],
  ], { required: ["subject_id", "stay_id", "charttime", "name"] }),
  table("ed", "pyxis", "event", [
    ["subject_id", I], ["stay_id", I], ["charttime", T], ["med_rn", S], ["name", V], ["gsn_rn", S], ["gsn", V],
  ], { required: ["subject_id", "stay_id", "charttime", "name"] }),
  table("ed", "diagnosis", "event", [
    ["subject_id", I], ["stay_id", I], ["seq_num", S], ["icd_code", V], ["icd_version", S], ["icd_title", V],
  ], { required: ["subject_id", "stay_id", "icd_code"] }),

  // ── note (MIMIC-IV-Note 2.2) ──────────────────────────────────────────────────────────────────
  table("note", "discharge", "event", [
    ["note_id", V], ["subject_id", I], ["hadm_id", I], ["note_type", V], ["note_seq", I], ["charttime", T],
    ["storetime", T], ["text", V],
  ], { required: ["note_id", "subject_id", "charttime", "text"] }),
  table("note", "radiology", "event", [
    ["note_id", V], ["subject_id", I], ["hadm_id", I], ["note_type", V], ["note_seq", I], ["charttime", T],
    ["storetime", T], ["text", V],
  ], { required: ["note_id", "subject_id", "charttime", "text"] }),
  table("note", "radiology_detail", "dictionary", [
    ["note_id", V], ["subject_id", I], ["field_name", V], ["field_value", V], ["field_ordinal", I],
  ], { required: ["note_id", "field_name", "field_value"] }),
  table("note", "discharge_detail", "detail", [
    ["note_id", V], ["subject_id", I], ["field_name", V], ["field_value", V], ["field_ordinal", I],
  ], { loadByDefault: false }),
];

/** Tables without which a module makes no sense; absent optional tables (the demo's chartevents) are fine. */
export const REQUIRED_TABLES: Readonly<Record<Module, readonly string[]>> = {
  hosp: ["patients", "admissions"],
  icu: ["icustays"],
  ed: ["edstays"],
  note: [],
};

const byKey = new Map(TABLES.map((t) => [`${t.module}.${t.name}`, t]));

export function tableSpec(module: string, name: string): TableSpec | undefined {
  return byKey.get(`${module}.${name}`);
}

export function qualifiedName(spec: Pick<TableSpec, "module" | "name">): string {
  return `${spec.module}.${spec.name}`;
}
