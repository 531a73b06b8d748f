import { describe, expect, it } from "vitest";
import { renderEvent } from "../../src/render/markdown.js";
import { renderInput } from "../../src/render/sample.js";
import type { EhrEvent, EventItem } from "../../src/timeline/read.js";

const T = "2180-06-27 05:10:00";
const ev = (file_name: string, items: EventItem[], starttime: string | null = T): EhrEvent => ({
  file_name,
  starttime,
  endtime: starttime,
  hadm_id: null,
  items,
});

/**
 * One golden per event type, written by hand from the spec's table (§6.3): display name, keys in
 * order, `str.title()` headers; one row gives a bullet list, two or more a table.
 */
const GOLDENS: [string, EventItem, string][] = [
  ["patients", { anchor_age: "52", gender: "F" }, "## Patient Demographics [None]\n- Anchor_Age: 52\n- Gender: F"],
  [
    "omr",
    { result_name: "Blood Pressure", result_value: "110/65" },
    `## Online Medical Record [${T}]\n- Result_Name: Blood Pressure\n- Result_Value: 110/65`,
  ],
  [
    "pharmacy",
    { medication: "Heparin", proc_type: "Unit Dose", status: "Discontinued" },
    `## Pharmacy [${T}]\n- Medication: Heparin\n- Proc_Type: Unit Dose\n- Status: Discontinued`,
  ],
  [
    "prescriptions",
    {
      drug: "Furosemide",
      "ATC Type": "HIGH-CEILING DIURETICS",
      prod_strength: "40mg Tab",
      dose_val_rx: "40",
      dose_unit_rx: "mg",
    },
    `## Prescriptions [${T}]\n- Drug: Furosemide\n- Atc Type: HIGH-CEILING DIURETICS\n- Prod_Strength: 40mg Tab\n- Dose_Val_Rx: 40\n- Dose_Unit_Rx: mg`,
  ],
  [
    "poe",
    { order_type: "Lab", order_subtype: "nan" },
    `## Provider Order Entry [${T}]\n- Order_Type: Lab\n- Order_Subtype: nan`,
  ],
  [
    "procedures_icd",
    { procedures: "Paracentesis", "CCS Type": null },
    `## Procedures on International Classification of Diseases [${T}]\n- Procedures: Paracentesis\n- Ccs Type: None`,
  ],
  ["services", { curr_service: "MED" }, `## Services [${T}]\n- Curr_Service: MED`],
  [
    "labevents",
    {
      item_name: "Sodium",
      valuenum: "136.0",
      valueuom: "mEq/L",
      ref_range_lower: "133.0",
      ref_range_upper: "145.0",
      flag: "nan",
      comments: "nan",
    },
    `## Labotary Test Events [${T}]\n- Item_Name: Sodium\n- Valuenum: 136.0\n- Valueuom: mEq/L\n- Ref_Range_Lower: 133.0\n- Ref_Range_Upper: 145.0\n- Flag: nan\n- Comments: nan`,
  ],
  [
    "microbiologyevents",
    { test_name: "BLOOD CULTURE", dilution_text: "nan", interpretation: "S", comments: "nan", ab_name: "VANCOMYCIN" },
    `## Microbiology Test Events [${T}]\n- Test_Name: BLOOD CULTURE\n- Dilution_Text: nan\n- Interpretation: S\n- Comments: nan\n- Ab_Name: VANCOMYCIN`,
  ],
  [
    "admissions",
    { admission_type: "URGENT", admission_location: "TRANSFER FROM HOSPITAL" },
    `## Admissions [${T}]\n- Admission_Type: URGENT\n- Admission_Location: TRANSFER FROM HOSPITAL\n- Admission_Info: None`,
  ],
  [
    "transfers",
    { eventtype: "ED", careunit: "Emergency Department" },
    `## Transfers [${T}]\n- Eventtype: ED\n- Careunit: Emergency Department`,
  ],
  [
    "emar",
    { medication: "Insulin", event_txt: "Administered" },
    `## Electronic Medicine Administration Record [${T}]\n- Medication: Insulin\n- Event_Txt: Administered`,
  ],
  [
    "diagnoses_icd",
    { diagnoses: "Portal hypertension", "CCS Type": "Other liver diseases" },
    "## Diagnoses on International Classification of Diseases [None]\n- Diagnoses: Portal hypertension\n- Ccs Type: Other liver diseases",
  ],
  [
    "radiology",
    { note_type: "RR", exam_name: ["CHEST (PA AND LAT)"], text: "FINDINGS:\nNo acute process." },
    `## Radiology Examinations [${T}]\n- Note_Type: RR\n- Exam_Name: ['CHEST (PA AND LAT)']\n- Text: FINDINGS:\nNo acute process.`,
  ],
  [
    "discharge",
    { note_type: "DS", text: "Name: ___\nService: MEDICINE" },
    `## Discharge [${T}]\n- Note_Type: DS\n- Text: Name: ___\nService: MEDICINE`,
  ],
  ["edstays", { gender: "F", race: "WHITE" }, `## EDstays [${T}]\n- Gender: F\n- Race: WHITE`],
  [
    "triage",
    {
      temperature: "97.9",
      heartrate: "93.0",
      resprate: "16.0",
      o2sat: "96.0",
      sbp: "113.0",
      dbp: "66.0",
      pain: "0",
      acuity: "2.0",
      chiefcomplaint: "Abdominal distention",
    },
    `## Triage [${T}]\n- Temperature: 97.9\n- Heartrate: 93.0\n- Resprate: 16.0\n- O2Sat: 96.0\n- Sbp: 113.0\n- Dbp: 66.0\n- Pain: 0\n- Acuity: 2.0\n- Chiefcomplaint: Abdominal distention`,
  ],
  ["medrecon", { name: "Lisinopril", "ATC Type": null }, `## Medrecon [${T}]\n- Name: Lisinopril\n- Atc Type: None`],
  ["pyxis", { name: "Ondansetron" }, `## Pyxis [${T}]\n- Name: Ondansetron`],
  [
    "vitalsign",
    {
      temperature: "98.1",
      heartrate: "88.0",
      resprate: "18.0",
      o2sat: "97.0",
      sbp: "120.0",
      dbp: "70.0",
      pain: "3",
      rhythm: "nan",
    },
    `## Vitalsign [${T}]\n- Temperature: 98.1\n- Heartrate: 88.0\n- Resprate: 18.0\n- O2Sat: 97.0\n- Sbp: 120.0\n- Dbp: 70.0\n- Pain: 3\n- Rhythm: nan`,
  ],
  [
    "diagnosis",
    { icd_title: "OTHER ASCITES", "CCS Type": "Other gastrointestinal disorders" },
    `## ED Diagnoses on International Classification of Diseases [${T}]\n- Icd_Title: OTHER ASCITES\n- Ccs Type: Other gastrointestinal disorders`,
  ],
  ["icustays", { stay_id: "300" }, `## ICUstays [${T}]\n`],
  [
    "chartevents",
    { item_name: "Heart Rate", valuenum: "88.0", valueuom: "bpm", warning: "0.0" },
    `## Chart Events [${T}]\n- Item_Name: Heart Rate\n- Valuenum: 88.0\n- Valueuom: bpm\n- Warning: 0.0`,
  ],
  [
    "ingredientevents",
    { item_name: "Water", amount: "250.0", amountuom: "mL", rate: "nan", rateuom: "nan" },
    `## Ingredient Events [${T}]\n- Item_Name: Water\n- Amount: 250.0\n- Amountuom: mL\n- Rate: nan\n- Rateuom: nan`,
  ],
  ["datetimeevents", { item_name: "Last dialysis" }, `## Datetime Events [${T}]\n- Item_Name: Last dialysis`],
  [
    "procedureevents",
    { item_name: "Chest X-Ray", value: "1.0", valueuom: "None", location: "nan", locationcategory: "nan" },
    `## Procedure Events [${T}]\n- Item_Name: Chest X-Ray\n- Value: 1.0\n- Valueuom: None\n- Location: nan\n- Locationcategory: nan`,
  ],
  [
    "inputevents",
    { item_name: "NaCl 0.9%", amount: "1000.0", amountuom: "ml", rate: "125.0", rateuom: "mL/hour" },
    `## Input Events [${T}]\n- Item_Name: NaCl 0.9%\n- Amount: 1000.0\n- Amountuom: ml\n- Rate: 125.0\n- Rateuom: mL/hour`,
  ],
  [
    "outputevents",
    { item_name: "Foley", value: "300.0", valueuom: "ml" },
    `## Output Events [${T}]\n- Item_Name: Foley\n- Value: 300.0\n- Valueuom: ml`,
  ],
  ["drgcodes", { drg_code: "442" }, ""],
  ["hcpcsevents", { hcpcs_cd: "99223" }, ""],
];

describe("EHR-R1 event rendering", () => {
  it.each(GOLDENS)("%s", (fileName, item, expected) => {
    const untimed = ["patients", "diagnoses_icd"].includes(fileName);
    expect(renderEvent(ev(fileName, [item], untimed ? null : T))).toBe(expected);
  });

  it("renders two or more rows as a table with six-hyphen separators", () => {
    const rows: EventItem[] = [
      {
        drug: "Furosemide",
        "ATC Type": "HIGH-CEILING DIURETICS",
        prod_strength: "40mg Tab",
        dose_val_rx: "40",
        dose_unit_rx: "mg",
      },
      { drug: "Heparin", prod_strength: "5000 Units / mL", dose_val_rx: "5000", dose_unit_rx: "UNIT" },
    ];
    expect(renderEvent(ev("prescriptions", rows))).toBe(
      `## Prescriptions [${T}]\n| Drug | Atc Type | Prod_Strength | Dose_Val_Rx | Dose_Unit_Rx |\n| ------ | ------ | ------ | ------ | ------ |\n` +
        "| Furosemide | HIGH-CEILING DIURETICS | 40mg Tab | 40 | mg |\n| Heparin | None | 5000 Units / mL | 5000 | UNIT |",
    );
  });

  it("drops empty blocks and nan cells in the clean format", () => {
    const rows = [
      {
        item_name: "Sodium",
        valuenum: "136.0",
        valueuom: "mEq/L",
        ref_range_lower: "nan",
        ref_range_upper: "nan",
        flag: "nan",
        comments: "nan",
      },
      {
        item_name: "Glucose",
        valuenum: "nan",
        valueuom: "mg/dL",
        ref_range_lower: "nan",
        ref_range_upper: "nan",
        flag: "abnormal",
        comments: "nan",
      },
    ];
    expect(renderEvent(ev("labevents", rows), "clean")).toBe(
      `## Labotary Test Events [${T}]\n| Item_Name | Valuenum | Valueuom | Flag |\n| ------ | ------ | ------ | ------ |\n| Sodium | 136.0 | mEq/L |  |\n| Glucose |  | mg/dL | abnormal |`,
    );
    expect(renderEvent(ev("patients", [{ anchor_age: "52", gender: "F" }], null), "clean")).toBe(
      "## Patient Demographics\n- Anchor_Age: 52\n- Gender: F",
    );
  });
});

describe("sample assembly (§6.5)", () => {
  const trajectory: EhrEvent[] = [
    ev("patients", [{ anchor_age: "52", gender: "F" }], null),
    ev("transfers", [{ eventtype: "ED", careunit: "Emergency Department" }], "2180-06-26 15:54:00"),
    ev("admissions", [{ admission_type: "EW EMER.", admission_location: "EMERGENCY ROOM" }], "2180-06-26 18:27:00"),
    ev("drgcodes", [{ drg_code: "442" }], null),
    ev("labevents", [{ item_name: "Sodium", valuenum: "136.0" }], "2180-06-27 05:10:00"),
    ev("prescriptions", [{ drug: "Furosemide" }], "2180-06-27 06:00:00"),
  ];

  it("joins demographics, the (empty) last discharge note, the admission and the context with blank lines", () => {
    const input = renderInput(trajectory, { begin: 1, end: 5, admissionsId: 2, excludedEvents: ["labevents"] });
    expect(input).toBe(
      "## Patient Demographics [None]\n- Anchor_Age: 52\n- Gender: F\n\n\n\n" +
        "## Admissions [2180-06-26 18:27:00]\n- Admission_Type: EW EMER.\n- Admission_Location: EMERGENCY ROOM\n- Admission_Info: None\n\n" +
        "## Transfers [2180-06-26 15:54:00]\n- Eventtype: ED\n- Careunit: Emergency Department\n\n",
    );
  });

  it("leaves the admission out for the admissions task and drops empty parts in the clean format", () => {
    const input = renderInput(trajectory, { begin: 1, end: 5, admissionsId: 2, hideAdmission: true }, "clean");
    expect(input).toBe(
      "## Patient Demographics\n- Anchor_Age: 52\n- Gender: F\n\n## Transfers [2180-06-26 15:54:00]\n- Eventtype: ED\n- Careunit: Emergency Department\n\n" +
        "## Labotary Test Events [2180-06-27 05:10:00]\n- Item_Name: Sodium\n- Valuenum: 136.0",
    );
  });
});
