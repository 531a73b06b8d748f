/**
 * Clinical vocabularies of the synthetic cohort. Item ids and ICD codes follow the real MIMIC-IV
 * and ICD conventions (ICD titles are public-domain CMS text) so the synthetic store behaves like a
 * real one; value ranges are textbook reference ranges. Drug codes (NDCs) and the drug-class names
 * are made up for this generator: they are not a real NDC→ATC crosswalk.
 */

export interface Lab {
  itemid: number;
  label: string;
  fluid: string;
  category: string;
  unit: string;
  low: number;
  high: number;
  mean: number;
  sd: number;
  decimals: number;
}

const lab = (
  itemid: number,
  label: string,
  fluid: string,
  category: string,
  unit: string,
  low: number,
  high: number,
  decimals = 1,
): Lab => ({
  itemid,
  label,
  fluid,
  category,
  unit,
  low,
  high,
  mean: (low + high) / 2,
  sd: (high - low) / 5,
  decimals,
});

export const LABS: readonly Lab[] = [
  lab(50983, "Sodium", "Blood", "Chemistry", "mEq/L", 133, 145, 0),
  lab(50971, "Potassium", "Blood", "Chemistry", "mEq/L", 3.3, 5.1, 1),
  lab(50902, "Chloride", "Blood", "Chemistry", "mEq/L", 96, 108, 0),
  lab(50882, "Bicarbonate", "Blood", "Chemistry", "mEq/L", 22, 32, 0),
  lab(51006, "Urea Nitrogen", "Blood", "Chemistry", "mg/dL", 6, 20, 0),
  lab(50912, "Creatinine", "Blood", "Chemistry", "mg/dL", 0.5, 1.2, 1),
  lab(50931, "Glucose", "Blood", "Chemistry", "mg/dL", 70, 100, 0),
  lab(50868, "Anion Gap", "Blood", "Chemistry", "mEq/L", 8, 20, 0),
  lab(50960, "Magnesium", "Blood", "Chemistry", "mg/dL", 1.6, 2.6, 1),
  lab(50970, "Phosphate", "Blood", "Chemistry", "mg/dL", 2.7, 4.5, 1),
  lab(50893, "Calcium, Total", "Blood", "Chemistry", "mg/dL", 8.4, 10.3, 1),
  lab(51301, "White Blood Cells", "Blood", "Hematology", "K/uL", 4, 10, 1),
  lab(51279, "Red Blood Cells", "Blood", "Hematology", "m/uL", 4.2, 5.4, 2),
  lab(51222, "Hemoglobin", "Blood", "Hematology", "g/dL", 12, 16, 1),
  lab(51221, "Hematocrit", "Blood", "Hematology", "%", 36, 48, 1),
  lab(51265, "Platelet Count", "Blood", "Hematology", "K/uL", 150, 400, 0),
  lab(51250, "MCV", "Blood", "Hematology", "fL", 82, 98, 0),
  lab(51248, "MCH", "Blood", "Hematology", "pg", 27, 32, 1),
  lab(51249, "MCHC", "Blood", "Hematology", "g/dL", 31, 37, 1),
  lab(51277, "RDW", "Blood", "Hematology", "%", 10.5, 15.5, 1),
  lab(51274, "PT", "Blood", "Hematology", "sec", 9.4, 12.5, 1),
  lab(51237, "INR(PT)", "Blood", "Hematology", "", 0.9, 1.1, 1),
  lab(51275, "PTT", "Blood", "Hematology", "sec", 25, 36.5, 1),
  lab(50861, "Alanine Aminotransferase (ALT)", "Blood", "Chemistry", "IU/L", 0, 40, 0),
  lab(50878, "Asparate Aminotransferase (AST)", "Blood", "Chemistry", "IU/L", 0, 40, 0),
  lab(50863, "Alkaline Phosphatase", "Blood", "Chemistry", "IU/L", 35, 105, 0),
  lab(50885, "Bilirubin, Total", "Blood", "Chemistry", "mg/dL", 0, 1.5, 1),
  lab(50862, "Albumin", "Blood", "Chemistry", "g/dL", 3.5, 5.2, 1),
  lab(50956, "Lipase", "Blood", "Chemistry", "IU/L", 0, 60, 0),
  lab(51003, "Troponin T", "Blood", "Chemistry", "ng/mL", 0, 0.01, 2),
  lab(50963, "NTproBNP", "Blood", "Chemistry", "pg/mL", 0, 353, 0),
  lab(50813, "Lactate", "Blood", "Blood Gas", "mmol/L", 0.5, 2, 1),
  lab(50820, "pH", "Blood", "Blood Gas", "units", 7.35, 7.45, 2),
  lab(50818, "pCO2", "Blood", "Blood Gas", "mm Hg", 35, 45, 0),
  lab(50821, "pO2", "Blood", "Blood Gas", "mm Hg", 85, 105, 0),
  lab(50852, "% Hemoglobin A1c", "Blood", "Chemistry", "%", 4, 6, 1),
  lab(51491, "pH", "Urine", "Hematology", "units", 5, 8, 1),
  lab(51498, "Specific Gravity", "Urine", "Hematology", "", 1.001, 1.035, 3),
];

export const PANELS: Readonly<Record<string, readonly string[]>> = {
  bmp: ["Sodium", "Potassium", "Chloride", "Bicarbonate", "Urea Nitrogen", "Creatinine", "Glucose", "Anion Gap"],
  cbc: [
    "White Blood Cells",
    "Red Blood Cells",
    "Hemoglobin",
    "Hematocrit",
    "Platelet Count",
    "MCV",
    "MCH",
    "MCHC",
    "RDW",
  ],
  lytes: ["Magnesium", "Phosphate", "Calcium, Total"],
  coags: ["PT", "INR(PT)", "PTT"],
  lft: [
    "Alanine Aminotransferase (ALT)",
    "Asparate Aminotransferase (AST)",
    "Alkaline Phosphatase",
    "Bilirubin, Total",
    "Albumin",
  ],
  gas: ["pH", "pCO2", "pO2", "Lactate"],
  cardiac: ["Troponin T", "NTproBNP"],
  pancreas: ["Lipase"],
  urine: ["pH/Urine", "Specific Gravity/Urine"],
  a1c: ["% Hemoglobin A1c"],
};

export interface IcuItem {
  itemid: number;
  label: string;
  abbreviation: string;
  linksto: "chartevents" | "inputevents" | "outputevents" | "procedureevents" | "datetimeevents" | "ingredientevents";
  category: string;
  unit: string;
  paramType: string;
  low?: number;
  high?: number;
  /** Chart items: mean and spread of a stable patient; text items list their values. */
  mean?: number;
  sd?: number;
  decimals?: number;
  values?: readonly string[];
}

const chart = (
  itemid: number,
  label: string,
  abbreviation: string,
  category: string,
  unit: string,
  low: number,
  high: number,
  decimals = 0,
): IcuItem => ({
  itemid,
  label,
  abbreviation,
  linksto: "chartevents",
  category,
  unit,
  paramType: "Numeric",
  low,
  high,
  mean: (low + high) / 2,
  sd: (high - low) / 5,
  decimals,
});
const textChart = (
  itemid: number,
  label: string,
  abbreviation: string,
  category: string,
  values: readonly string[],
): IcuItem => ({
  itemid,
  label,
  abbreviation,
  linksto: "chartevents",
  category,
  unit: "",
  paramType: "Text",
  values,
});

export const CHART_ITEMS = {
  hourly: [
    chart(220045, "Heart Rate", "HR", "Routine Vital Signs", "bpm", 60, 100),
    chart(220179, "Non Invasive Blood Pressure systolic", "NBPs", "Routine Vital Signs", "mmHg", 100, 140),
    chart(220180, "Non Invasive Blood Pressure diastolic", "NBPd", "Routine Vital Signs", "mmHg", 60, 90),
    chart(220181, "Non Invasive Blood Pressure mean", "NBPm", "Routine Vital Signs", "mmHg", 70, 105),
    chart(220210, "Respiratory Rate", "RR", "Respiratory", "insp/min", 12, 20),
    chart(220277, "O2 saturation pulseoxymetry", "SpO2", "Respiratory", "%", 92, 100),
  ],
  q4h: [
    chart(223761, "Temperature Fahrenheit", "Temperature F", "Routine Vital Signs", "°F", 97, 99.5, 1),
    chart(220739, "GCS - Eye Opening", "GCS - Eye Opening", "Neurological", "", 3, 4),
    chart(223900, "GCS - Verbal Response", "GCS - Verbal Response", "Neurological", "", 4, 5),
    chart(223901, "GCS - Motor Response", "GCS - Motor Response", "Neurological", "", 5, 6),
    chart(
      225664,
      "Glucose finger stick (range 70-100)",
      "Glucose FS (range 70 -100)",
      "Routine Vital Signs",
      "mg/dL",
      80,
      180,
    ),
    textChart(220048, "Heart Rhythm", "Heart Rhythm", "Routine Vital Signs", [
      "SR (Sinus Rhythm)",
      "ST (Sinus Tachycardia)",
      "AF (Atrial Fibrillation)",
      "SB (Sinus Bradycardia)",
    ]),
    textChart(228096, "Richmond-RAS Scale", "Richmond-RAS Scale", "Pain/Sedation", [
      " 0  Alert and calm",
      "-1 Awakens to voice (eye opening/contact) > 10 sec",
      "-2 Light sedation, briefly awakens to voice (eye opening/contact) < 10 sec",
    ]),
    textChart(223791, "Pain Level", "Pain Level", "Pain/Sedation", [
      "0-No Pain",
      "1-Mild",
      "2-Moderate",
      "Unable to Score",
    ]),
  ],
  admission: [chart(226512, "Admission Weight (Kg)", "Admit Wt", "General", "kg", 50, 110, 1)],
  ventilated: [
    chart(223835, "Inspired O2 Fraction", "FiO2", "Respiratory", "", 30, 60),
    chart(224690, "Respiratory Rate (Total)", "RR (Total)", "Respiratory", "insp/min", 14, 22),
  ],
} as const;

export interface Infusion {
  item: IcuItem;
  amountUnit: string;
  rateUnit: string;
  /** Typical amount per bag or dose, and rate for continuous infusions (0 = bolus). */
  amount: number;
  rate: number;
  category: string;
  ingredients: readonly [number, number][];
}

const input = (
  itemid: number,
  label: string,
  abbreviation: string,
  category: string,
  amountUnit: string,
  rateUnit: string,
  amount: number,
  rate: number,
  ingredients: readonly [number, number][],
): Infusion => ({
  item: {
    itemid,
    label,
    abbreviation,
    linksto: "inputevents",
    category: "Fluids/Intake",
    unit: amountUnit,
    paramType: "Solution",
  },
  amountUnit,
  rateUnit,
  amount,
  rate,
  category,
  ingredients,
});

/** Ingredient items: what inputs are made of (free water and calories), as MIMIC-IV's ingredientevents. */
export const INGREDIENTS: readonly IcuItem[] = [
  {
    itemid: 220490,
    label: "Free Water",
    abbreviation: "Free Water",
    linksto: "ingredientevents",
    category: "Ingredients",
    unit: "mL",
    paramType: "Ingredient",
  },
  {
    itemid: 226221,
    label: "Calories",
    abbreviation: "Calories",
    linksto: "ingredientevents",
    category: "Ingredients",
    unit: "kcal",
    paramType: "Ingredient",
  },
  {
    itemid: 227074,
    label: "Sodium",
    abbreviation: "Sodium",
    linksto: "ingredientevents",
    category: "Ingredients",
    unit: "mEq",
    paramType: "Ingredient",
  },
];

export const INFUSIONS: Readonly<Record<string, Infusion>> = {
  saline: input(225158, "NaCl 0.9%", "NaCl 0.9%", "02-Fluids (Crystalloids)", "mL", "mL/hour", 1000, 100, [
    [220490, 1],
    [227074, 0.154],
  ]),
  dextrose: input(220949, "Dextrose 5%", "D5W", "02-Fluids (Crystalloids)", "mL", "mL/hour", 250, 50, [
    [220490, 1],
    [226221, 0.2],
  ]),
  propofol: input(222168, "Propofol", "Propofol", "01-Drips", "mg", "mcg/kg/min", 400, 30, [
    [220490, 0.1],
    [226221, 1.1],
  ]),
  norepinephrine: input(221906, "Norepinephrine", "Norepinephrine", "01-Drips", "mg", "mcg/kg/min", 4, 0.08, [
    [220490, 0.25],
  ]),
  heparin: input(225152, "Heparin Sodium", "Heparin", "01-Drips", "units", "units/hour", 25000, 1000, [[220490, 0.01]]),
  fentanyl: input(221744, "Fentanyl", "Fentanyl", "01-Drips", "mcg", "mcg/hour", 1000, 50, [[220490, 0.1]]),
  insulin: input(223258, "Insulin - Regular", "Insulin - Regular", "01-Drips", "units", "units/hour", 100, 5, [
    [220490, 0.1],
  ]),
  vancomycin: input(225798, "Vancomycin", "Vancomycin", "08-Antibiotics (IV)", "dose", "", 1, 0, [[220490, 250]]),
  piptazo: input(225893, "Piperacillin/Tazobactam (Zosyn)", "Zosyn", "08-Antibiotics (IV)", "dose", "", 1, 0, [
    [220490, 100],
  ]),
  kcl: input(225166, "Potassium Chloride", "KCl (Bolus)", "05-Med Bolus", "mEq", "", 20, 0, [[220490, 100]]),
  furosemide: input(221794, "Furosemide (Lasix)", "Lasix", "05-Med Bolus", "mg", "", 40, 0, [[220490, 4]]),
  poIntake: input(226452, "PO Intake", "PO Intake", "14-Oral/Gastric Intake", "mL", "", 240, 0, [[220490, 1]]),
};

export const OUTPUT_ITEMS: readonly IcuItem[] = [
  {
    itemid: 226559,
    label: "Foley",
    abbreviation: "Foley",
    linksto: "outputevents",
    category: "Output",
    unit: "mL",
    paramType: "Numeric",
    mean: 80,
    sd: 40,
  },
  {
    itemid: 226560,
    label: "Void",
    abbreviation: "Void",
    linksto: "outputevents",
    category: "Output",
    unit: "mL",
    paramType: "Numeric",
    mean: 300,
    sd: 120,
  },
  {
    itemid: 226588,
    label: "Chest Tube #1",
    abbreviation: "Chest Tube #1",
    linksto: "outputevents",
    category: "Output",
    unit: "mL",
    paramType: "Numeric",
    mean: 60,
    sd: 30,
  },
  {
    itemid: 226599,
    label: "JP #1",
    abbreviation: "JP #1",
    linksto: "outputevents",
    category: "Output",
    unit: "mL",
    paramType: "Numeric",
    mean: 40,
    sd: 20,
  },
];

export interface IcuProcedure {
  item: IcuItem;
  unit: string;
  location: string;
  locationCategory: string;
  /** Duration in hours (0: a point event whose value is 1). */
  hours: number;
  /** Insertion-date item charted in datetimeevents for lines. */
  dateItem?: IcuItem;
}

const dateItem = (itemid: number, label: string): IcuItem => ({
  itemid,
  label,
  abbreviation: label,
  linksto: "datetimeevents",
  category: "Access Lines - Invasive",
  unit: "Date",
  paramType: "Date and time",
});
const procedure = (
  itemid: number,
  label: string,
  category: string,
  unit: string,
  location: string,
  locationCategory: string,
  hours: number,
  date?: IcuItem,
): IcuProcedure => ({
  item: { itemid, label, abbreviation: label, linksto: "procedureevents", category, unit, paramType: "Process" },
  unit,
  location,
  locationCategory,
  hours,
  dateItem: date,
});

export const ICU_PROCEDURES: Readonly<Record<string, IcuProcedure>> = {
  peripheral: procedure(
    224277,
    "18 Gauge",
    "Access Lines - Peripheral",
    "None",
    "Left Antecubital",
    "Peripheral",
    48,
    dateItem(225755, "18 Gauge Insertion Date"),
  ),
  arterial: procedure(
    225752,
    "Arterial Line",
    "Access Lines - Invasive",
    "None",
    "Left Radial",
    "Invasive Arterial",
    72,
    dateItem(224288, "Arterial Line Insertion Date"),
  ),
  central: procedure(
    224263,
    "Multi Lumen",
    "Access Lines - Invasive",
    "None",
    "Right IJ",
    "Invasive Venous",
    96,
    dateItem(224280, "Multi Lumen Insertion Date"),
  ),
  ventilation: procedure(225792, "Invasive Ventilation", "Ventilation", "min", "", "", 60),
  niv: procedure(225794, "Non-invasive Ventilation", "Ventilation", "min", "", "", 8),
  chestXray: procedure(225459, "Chest X-Ray", "Imaging", "None", "", "", 0),
  ekg: procedure(225402, "EKG", "Procedures", "None", "", "", 0),
  foley: procedure(229351, "Foley Catheter", "GI/GU", "None", "", "", 0),
  dialysis: procedure(225441, "Hemodialysis", "Dialysis", "None", "", "", 4),
};

export const EXTRA_DATE_ITEMS: readonly IcuItem[] = [dateItem(225183, "Last Void Time")];

export interface Drug {
  name: string;
  ndc: string;
  strength: string;
  dose: string;
  unit: string;
  route: string;
  form: string;
  dosesPerDay: number;
  drugClass: string;
  procType: string;
}

const drug = (
  name: string,
  ndc: string,
  strength: string,
  dose: string,
  unit: string,
  route: string,
  form: string,
  dosesPerDay: number,
  drugClass: string,
  procType = "Unit Dose",
): Drug => ({
  name,
  ndc,
  strength,
  dose,
  unit,
  route,
  form,
  dosesPerDay,
  drugClass,
  procType,
});

export const DRUGS: Readonly<Record<string, Drug>> = Object.fromEntries(
  [
    drug("Heparin", "63323026201", "5000 Unit / mL- 1mL Vial", "5000", "UNIT", "SC", "VIAL", 3, "Anticoagulants"),
    drug("Enoxaparin Sodium", "00075062430", "40mg / 0.4mL Syringe", "40", "mg", "SC", "SYR", 1, "Anticoagulants"),
    drug("Warfarin", "00056017270", "5mg Tablet", "5", "mg", "PO", "TAB", 1, "Anticoagulants"),
    drug("Apixaban", "00003089421", "5 mg Tablet", "5", "mg", "PO", "TAB", 2, "Anticoagulants"),
    drug("Aspirin", "00904198261", "81mg Tablet", "81", "mg", "PO", "TAB", 1, "Platelet inhibitors"),
    drug("Clopidogrel", "63653117101", "75 mg Tablet", "75", "mg", "PO", "TAB", 1, "Platelet inhibitors"),
    drug("Atorvastatin", "00071015523", "40mg Tablet", "40", "mg", "PO", "TAB", 1, "Lipid-lowering agents"),
    drug("Metoprolol Tartrate", "51079025520", "25mg Tablet", "25", "mg", "PO", "TAB", 2, "Beta blockers"),
    drug("Lisinopril", "00172375860", "10mg Tablet", "10", "mg", "PO", "TAB", 1, "ACE inhibitors"),
    drug("Amlodipine", "00069152066", "5mg Tablet", "5", "mg", "PO", "TAB", 1, "Calcium channel blockers"),
    drug("Furosemide", "00054829725", "40mg Tablet", "40", "mg", "PO/NG", "TAB", 1, "Loop diuretics"),
    drug("Insulin", "00002831501", "100 Units / mL - 10 mL Vial", "0", "UNIT", "SC", "VIAL", 4, "Insulins"),
    drug("Glargine", "00088222033", "100 Units / mL - 10mL Vial", "20", "UNIT", "SC", "VIAL", 1, "Insulins"),
    drug("MetFORMIN (Glucophage)", "00087607005", "500 mg Tablet", "500", "mg", "PO", "TAB", 2, "Oral antidiabetics"),
    drug("Pantoprazole", "00008084181", "40 mg Tablet", "40", "mg", "PO", "TAB", 1, "Acid suppressants"),
    drug("Famotidine", "00006096331", "20 mg Tablet", "20", "mg", "PO", "TAB", 2, "Acid suppressants"),
    drug("Ondansetron", "00173044600", "2 mg/mL - 2 mL Vial", "4", "mg", "IV", "VIAL", 3, "Antiemetics"),
    drug("Acetaminophen", "00904198861", "325mg Tablet", "650", "mg", "PO/NG", "TAB", 3, "Non-opioid analgesics"),
    drug(
      "OxyCODONE (Immediate Release)",
      "00406055201",
      "5mg Tablet",
      "5",
      "mg",
      "PO/NG",
      "TAB",
      4,
      "Opioid analgesics",
    ),
    drug("Morphine Sulfate", "00409189001", "2mg Syringe", "2", "mg", "IV", "SYR", 4, "Opioid analgesics"),
    drug("HYDROmorphone (Dilaudid)", "00409255303", "1mg/mL Syringe", "0.5", "mg", "IV", "SYR", 4, "Opioid analgesics"),
    drug(
      "Vancomycin",
      "00338355248",
      "1 g Frozen Bag",
      "1000",
      "mg",
      "IV",
      "BAG",
      2,
      "Glycopeptide antibiotics",
      "IV Piggyback",
    ),
    drug(
      "Piperacillin-Tazobactam",
      "00206885902",
      "4.5 g Frozen Bag",
      "4.5",
      "g",
      "IV",
      "BAG",
      3,
      "Penicillins",
      "IV Piggyback",
    ),
    drug("CefTRIAXone", "00264312511", "1 g Frozen Bag", "1", "g", "IV", "BAG", 1, "Cephalosporins", "IV Piggyback"),
    drug("CeFAZolin", "00264310311", "2 g Frozen Bag", "2", "g", "IV", "BAG", 3, "Cephalosporins", "IV Piggyback"),
    drug("Azithromycin", "00069310683", "250 mg Tablet", "500", "mg", "PO", "TAB", 1, "Macrolides"),
    drug("Levofloxacin", "00045152510", "750 mg Tablet", "750", "mg", "PO", "TAB", 1, "Fluoroquinolones"),
    drug(
      "MetroNIDAZOLE",
      "00409781124",
      "500 mg Bag",
      "500",
      "mg",
      "IV",
      "BAG",
      3,
      "Nitroimidazole antibiotics",
      "IV Piggyback",
    ),
    drug("Potassium Chloride", "00338070541", "20 mEq Tablet", "40", "mEq", "PO", "TAB", 1, "Electrolyte supplements"),
    drug(
      "Magnesium Sulfate",
      "00409672903",
      "2 g / 50 mL Premix Bag",
      "2",
      "gm",
      "IV",
      "BAG",
      1,
      "Electrolyte supplements",
      "IV Piggyback",
    ),
    drug("Sodium Chloride 0.9%  Flush", "0", "10 mL Syringe", "3", "mL", "IV", "SYR", 3, "Electrolyte supplements"),
    drug("Docusate Sodium", "00904224461", "100mg Capsule", "100", "mg", "PO", "CAP", 2, "Laxatives"),
    drug("Senna", "00536355501", "8.6 mg Tablet", "8.6", "mg", "PO", "TAB", 2, "Laxatives"),
    drug("Polyethylene Glycol", "00904693086", "17 g Powder Packet", "17", "g", "PO", "PKT", 1, "Laxatives"),
    drug("Ipratropium-Albuterol Neb", "00487020101", "3 mL Vial", "1", "NEB", "IH", "VIAL", 4, "Bronchodilators"),
    drug("PredniSONE", "00054472825", "20 mg Tablet", "40", "mg", "PO", "TAB", 1, "Corticosteroids"),
    drug(
      "MethylPREDNISolone Sodium Succ",
      "00009004722",
      "125mg Vial",
      "125",
      "mg",
      "IV",
      "VIAL",
      2,
      "Corticosteroids",
    ),
    drug("Lorazepam", "00641604401", "2mg/mL Vial", "1", "mg", "IV", "VIAL", 2, "Anxiolytics"),
    drug("Haloperidol", "00703702101", "5mg/mL Vial", "2", "mg", "IV", "VIAL", 1, "Antipsychotics"),
    drug("Gabapentin", "00093443901", "300 mg Capsule", "300", "mg", "PO", "CAP", 3, "Anticonvulsants"),
    drug("Levothyroxine Sodium", "00378180001", "50 mcg Tablet", "50", "mcg", "PO", "TAB", 1, "Thyroid hormones"),
    drug("Tamsulosin", "00597005801", "0.4 mg Capsule", "0.4", "mg", "PO", "CAP", 1, "Urologicals"),
    drug("Sertraline", "00049496030", "50mg Tablet", "50", "mg", "PO", "TAB", 1, "Antidepressants"),
    drug(
      "Propofol",
      "63323026929",
      "1000mg/100mL Vial",
      "10",
      "mcg/kg/min",
      "IV DRIP",
      "VIAL",
      1,
      "Anesthetics",
      "IV Large Volume",
    ),
    drug(
      "Norepinephrine",
      "00409144301",
      "4 mg / 250 mL Bag",
      "0.05",
      "mcg/kg/min",
      "IV DRIP",
      "BAG",
      1,
      "Vasopressors",
      "IV Large Volume",
    ),
    drug(
      "Fentanyl Citrate",
      "00409909432",
      "2500mcg / 250mL Bag",
      "50",
      "mcg/hr",
      "IV DRIP",
      "BAG",
      1,
      "Opioid analgesics",
      "IV Large Volume",
    ),
    drug("Amiodarone", "00008418701", "200mg Tablet", "200", "mg", "PO", "TAB", 1, "Antiarrhythmics"),
    drug("Diltiazem", "00088177047", "30 mg Tablet", "30", "mg", "PO", "TAB", 4, "Calcium channel blockers"),
    drug("Octreotide Acetate", "00078018101", "50 mcg/mL Vial", "50", "mcg", "IV", "VIAL", 3, "Somatostatin analogues"),
    drug("Lactulose", "00121057730", "30 mL UD Cup", "30", "mL", "PO", "UDCUP", 3, "Hepatic encephalopathy agents"),
    drug("Rifaximin", "65649030303", "550 mg Tablet", "550", "mg", "PO", "TAB", 2, "Hepatic encephalopathy agents"),
    drug("Spironolactone", "00025100131", "25 mg Tablet", "25", "mg", "PO", "TAB", 1, "Potassium-sparing diuretics"),
    drug(
      "Insulin Regular Drip",
      "00169183311",
      "100 Units / 100 mL Bag",
      "5",
      "UNIT/HR",
      "IV DRIP",
      "BAG",
      1,
      "Insulins",
      "IV Large Volume",
    ),
    drug("Sodium Bicarbonate", "00409662534", "650 mg Tablet", "1300", "mg", "PO", "TAB", 2, "Electrolyte supplements"),
    drug("Nicotine Patch", "00135019703", "14 mg/24 hr Patch", "1", "PTCH", "TD", "PTCH", 1, "Smoking cessation aids"),
  ].map((d) => [d.name, d]),
);

export interface Code {
  icd10: string;
  title10: string;
  icd9: string;
  title9: string;
}

const code = (icd10: string, title10: string, icd9: string, title9: string): Code => ({ icd10, title10, icd9, title9 });

export const COMORBIDITIES: Readonly<Record<string, { code: Code; homeMeds: readonly string[] }>> = {
  hypertension: {
    code: code("I10", "Essential (primary) hypertension", "4019", "Unspecified essential hypertension"),
    homeMeds: ["Lisinopril", "Amlodipine"],
  },
  diabetes: {
    code: code(
      "E119",
      "Type 2 diabetes mellitus without complications",
      "25000",
      "Diabetes mellitus without mention of complication, type II or unspecified type, not stated as uncontrolled",
    ),
    homeMeds: ["MetFORMIN (Glucophage)", "Glargine"],
  },
  hyperlipidemia: {
    code: code("E785", "Hyperlipidemia, unspecified", "2724", "Other and unspecified hyperlipidemia"),
    homeMeds: ["Atorvastatin"],
  },
  ckd: {
    code: code(
      "N183",
      "Chronic kidney disease, stage 3 (moderate)",
      "5853",
      "Chronic kidney disease, Stage III (moderate)",
    ),
    homeMeds: ["Sodium Bicarbonate"],
  },
  afib: {
    code: code("I4891", "Unspecified atrial fibrillation", "42731", "Atrial fibrillation"),
    homeMeds: ["Apixaban", "Metoprolol Tartrate"],
  },
  copd: {
    code: code(
      "J449",
      "Chronic obstructive pulmonary disease, unspecified",
      "496",
      "Chronic airway obstruction, not elsewhere classified",
    ),
    homeMeds: ["Ipratropium-Albuterol Neb"],
  },
  depression: {
    code: code(
      "F329",
      "Major depressive disorder, single episode, unspecified",
      "311",
      "Depressive disorder, not elsewhere classified",
    ),
    homeMeds: ["Sertraline"],
  },
  gerd: {
    code: code("K219", "Gastro-esophageal reflux disease without esophagitis", "53081", "Esophageal reflux"),
    homeMeds: ["Famotidine"],
  },
  hypothyroidism: {
    code: code("E039", "Hypothyroidism, unspecified", "2449", "Unspecified acquired hypothyroidism"),
    homeMeds: ["Levothyroxine Sodium"],
  },
  smoking: {
    code: code("Z87891", "Personal history of nicotine dependence", "V1582", "Personal history of tobacco use"),
    homeMeds: ["Nicotine Patch"],
  },
  cad: {
    code: code(
      "I2510",
      "Atherosclerotic heart disease of native coronary artery without angina pectoris",
      "41401",
      "Coronary atherosclerosis of native coronary artery",
    ),
    homeMeds: ["Aspirin", "Atorvastatin"],
  },
  anemia: { code: code("D649", "Anemia, unspecified", "2859", "Anemia, unspecified"), homeMeds: [] },
};

export interface Scenario {
  name: string;
  diagnosis: Code;
  secondary: readonly Code[];
  complaints: readonly string[];
  service: string;
  elective: boolean;
  icu: number;
  icuUnit: string;
  mortality: number;
  losDays: number;
  labs: Readonly<Record<string, number>>;
  panels: readonly string[];
  drugs: readonly string[];
  icuDrips: readonly string[];
  procedures: readonly Code[];
  radiology: readonly string[];
  micro: readonly string[];
  ward: string;
}

const scenario = (
  s: Omit<Scenario, "secondary" | "panels" | "icuDrips" | "procedures" | "micro" | "ward"> & Partial<Scenario>,
): Scenario => ({
  secondary: [],
  panels: [],
  icuDrips: [],
  procedures: [],
  micro: [],
  ward: "Medicine",
  ...s,
});

const P = {
  ventilation: code(
    "5A1945Z",
    "Respiratory Ventilation, 24-96 Consecutive Hours",
    "9671",
    "Continuous invasive mechanical ventilation for less than 96 consecutive hours",
  ),
  centralLine: code(
    "02HV33Z",
    "Insertion of Infusion Device into Superior Vena Cava, Percutaneous Approach",
    "3893",
    "Venous catheterization, not elsewhere classified",
  ),
  intubation: code(
    "0BH17EZ",
    "Insertion of Endotracheal Airway into Trachea, Via Natural or Artificial Opening",
    "9604",
    "Insertion of endotracheal tube",
  ),
  dialysis: code(
    "5A1D70Z",
    "Performance of Urinary Filtration, Intermittent, Less than 6 Hours Per Day",
    "3995",
    "Hemodialysis",
  ),
  egd: code(
    "0DJ08ZZ",
    "Inspection of Upper Intestinal Tract, Via Natural or Artificial Opening Endoscopic",
    "4513",
    "Other endoscopy of small intestine",
  ),
  transfusion: code(
    "30233N1",
    "Transfusion of Nonautologous Red Blood Cells into Peripheral Vein, Percutaneous Approach",
    "9904",
    "Transfusion of packed cells",
  ),
  pci: code(
    "027034Z",
    "Dilation of Coronary Artery, One Artery with Drug-eluting Intraluminal Device, Percutaneous Approach",
    "0066",
    "Percutaneous transluminal coronary angioplasty [PTCA]",
  ),
  hip: code(
    "0SR9019",
    "Replacement of Right Hip Joint with Metal Synthetic Substitute, Cemented, Open Approach",
    "8151",
    "Total hip replacement",
  ),
  cabg: code(
    "021109W",
    "Bypass Coronary Artery, Two Arteries from Aorta with Autologous Venous Tissue, Open Approach",
    "3612",
    "(Aorto)coronary bypass of two coronary arteries",
  ),
  cholecystectomy: code(
    "0FT44ZZ",
    "Resection of Gallbladder, Percutaneous Endoscopic Approach",
    "5123",
    "Laparoscopic cholecystectomy",
  ),
  paracentesis: code(
    "0W9G3ZZ",
    "Drainage of Peritoneal Cavity, Percutaneous Approach",
    "5491",
    "Percutaneous abdominal drainage",
  ),
  lumbarPuncture: code("009U3ZX", "Drainage of Spinal Canal, Percutaneous Approach, Diagnostic", "0331", "Spinal tap"),
};

export const SCENARIOS: readonly (readonly [Scenario, number])[] = [
  [
    scenario({
      name: "sepsis",
      diagnosis: code("A419", "Sepsis, unspecified organism", "0389", "Unspecified septicemia"),
      secondary: [code("R6520", "Severe sepsis without septic shock", "99592", "Severe sepsis")],
      complaints: ["Fever", "Hypotension", "Altered mental status"],
      service: "MED",
      elective: false,
      icu: 0.5,
      icuUnit: "Medical Intensive Care Unit (MICU)",
      mortality: 0.16,
      losDays: 7,
      labs: { "White Blood Cells": 2.2, Lactate: 2.6, Creatinine: 1.7 },
      panels: ["gas", "lft"],
      drugs: ["Vancomycin", "Piperacillin-Tazobactam", "Acetaminophen", "Heparin"],
      icuDrips: ["saline", "norepinephrine", "vancomycin", "piptazo"],
      procedures: [P.centralLine],
      radiology: ["CHEST (PORTABLE AP)"],
      micro: ["BLOOD CULTURE", "URINE"],
    }),
    10,
  ],
  [
    scenario({
      name: "pneumonia",
      diagnosis: code("J189", "Pneumonia, unspecified organism", "486", "Pneumonia, organism unspecified"),
      complaints: ["Dyspnea", "Cough", "Fever"],
      service: "MED",
      elective: false,
      icu: 0.2,
      icuUnit: "Medical Intensive Care Unit (MICU)",
      mortality: 0.06,
      losDays: 5,
      labs: { "White Blood Cells": 1.6 },
      panels: ["gas"],
      drugs: ["CefTRIAXone", "Azithromycin", "Ipratropium-Albuterol Neb", "Acetaminophen", "Enoxaparin Sodium"],
      icuDrips: ["saline", "propofol", "fentanyl"],
      procedures: [P.ventilation, P.intubation],
      radiology: ["CHEST (PA AND LAT)", "CHEST (PORTABLE AP)"],
      micro: ["BLOOD CULTURE", "SPUTUM"],
    }),
    10,
  ],
  [
    scenario({
      name: "heart failure",
      diagnosis: code(
        "I5023",
        "Acute on chronic systolic (congestive) heart failure",
        "42823",
        "Acute on chronic systolic heart failure",
      ),
      complaints: ["Dyspnea", "Leg swelling"],
      service: "CMED",
      elective: false,
      icu: 0.15,
      icuUnit: "Coronary Care Unit (CCU)",
      mortality: 0.05,
      losDays: 5,
      labs: { NTproBNP: 12, Creatinine: 1.3, Sodium: 0.97 },
      panels: ["cardiac"],
      drugs: ["Furosemide", "Metoprolol Tartrate", "Lisinopril", "Potassium Chloride", "Heparin"],
      icuDrips: ["furosemide", "kcl"],
      radiology: ["CHEST (PA AND LAT)"],
      ward: "Cardiology",
    }),
    8,
  ],
  [
    scenario({
      name: "acute kidney injury",
      diagnosis: code("N179", "Acute kidney failure, unspecified", "5849", "Acute kidney failure, unspecified"),
      complaints: ["Weakness", "Abnormal labs"],
      service: "MED",
      elective: false,
      icu: 0.12,
      icuUnit: "Medical Intensive Care Unit (MICU)",
      mortality: 0.05,
      losDays: 4,
      labs: { Creatinine: 3.4, "Urea Nitrogen": 2.6, Potassium: 1.15, Bicarbonate: 0.8 },
      panels: ["lytes", "urine"],
      drugs: ["Sodium Bicarbonate", "Heparin"],
      icuDrips: ["saline"],
      procedures: [P.dialysis],
      radiology: ["RENAL U.S."],
    }),
    6,
  ],
  [
    scenario({
      name: "gastrointestinal bleed",
      diagnosis: code(
        "K922",
        "Gastrointestinal hemorrhage, unspecified",
        "5789",
        "Hemorrhage of gastrointestinal tract, unspecified",
      ),
      complaints: ["Melena", "Hematemesis", "BRBPR"],
      service: "MED",
      elective: false,
      icu: 0.3,
      icuUnit: "Medical Intensive Care Unit (MICU)",
      mortality: 0.05,
      losDays: 4,
      labs: { Hemoglobin: 0.62, Hematocrit: 0.63, "Red Blood Cells": 0.65, "Urea Nitrogen": 1.9 },
      panels: ["coags"],
      drugs: ["Pantoprazole", "Octreotide Acetate", "Ondansetron"],
      icuDrips: ["saline"],
      procedures: [P.egd, P.transfusion],
      radiology: [],
    }),
    6,
  ],
  [
    scenario({
      name: "NSTEMI",
      diagnosis: code(
        "I214",
        "Non-ST elevation (NSTEMI) myocardial infarction",
        "41071",
        "Subendocardial infarction, initial episode of care",
      ),
      secondary: [COMORBIDITIES.cad!.code],
      complaints: ["Chest pain"],
      service: "CMED",
      elective: false,
      icu: 0.25,
      icuUnit: "Coronary Care Unit (CCU)",
      mortality: 0.04,
      losDays: 4,
      labs: { "Troponin T": 60 },
      panels: ["cardiac", "coags"],
      drugs: ["Aspirin", "Clopidogrel", "Heparin", "Atorvastatin", "Metoprolol Tartrate"],
      icuDrips: ["heparin"],
      procedures: [P.pci],
      radiology: ["CHEST (PORTABLE AP)"],
      ward: "Cardiology",
    }),
    7,
  ],
  [
    scenario({
      name: "ischemic stroke",
      diagnosis: code(
        "I639",
        "Cerebral infarction, unspecified",
        "43491",
        "Cerebral artery occlusion, unspecified with cerebral infarction",
      ),
      complaints: ["Slurred speech", "Left sided weakness", "Facial droop"],
      service: "NMED",
      elective: false,
      icu: 0.35,
      icuUnit: "Neuro Stepdown",
      mortality: 0.08,
      losDays: 6,
      labs: {},
      panels: ["coags", "a1c"],
      drugs: ["Aspirin", "Atorvastatin", "Heparin"],
      icuDrips: ["saline"],
      radiology: ["CT HEAD W/O CONTRAST", "MR HEAD W & W/O CONTRAST", "CTA HEAD AND NECK"],
      ward: "Neurology",
    }),
    5,
  ],
  [
    scenario({
      name: "COPD exacerbation",
      diagnosis: code(
        "J441",
        "Chronic obstructive pulmonary disease with (acute) exacerbation",
        "49121",
        "Obstructive chronic bronchitis with (acute) exacerbation",
      ),
      complaints: ["Dyspnea", "Wheezing"],
      service: "MED",
      elective: false,
      icu: 0.15,
      icuUnit: "Medical Intensive Care Unit (MICU)",
      mortality: 0.03,
      losDays: 4,
      labs: { pCO2: 1.35, pH: 0.995 },
      panels: ["gas"],
      drugs: ["Ipratropium-Albuterol Neb", "PredniSONE", "Azithromycin"],
      icuDrips: ["saline"],
      radiology: ["CHEST (PA AND LAT)"],
    }),
    6,
  ],
  [
    scenario({
      name: "diabetic ketoacidosis",
      diagnosis: code(
        "E1010",
        "Type 1 diabetes mellitus with ketoacidosis without coma",
        "25013",
        "Diabetes with ketoacidosis, type I [juvenile type], uncontrolled",
      ),
      complaints: ["Hyperglycemia", "Nausea/Vomiting"],
      service: "MED",
      elective: false,
      icu: 0.6,
      icuUnit: "Medical Intensive Care Unit (MICU)",
      mortality: 0.01,
      losDays: 3,
      labs: { Glucose: 4.5, Bicarbonate: 0.5, "Anion Gap": 2.2, Potassium: 1.1 },
      panels: ["gas", "lytes"],
      drugs: ["Insulin Regular Drip", "Potassium Chloride", "Insulin"],
      icuDrips: ["insulin", "saline", "kcl"],
      radiology: [],
    }),
    3,
  ],
  [
    scenario({
      name: "cellulitis",
      diagnosis: code("L03115", "Cellulitis of right lower limb", "6826", "Cellulitis and abscess of leg, except foot"),
      complaints: ["Leg pain", "Leg swelling", "Redness"],
      service: "MED",
      elective: false,
      icu: 0.02,
      icuUnit: "Medical Intensive Care Unit (MICU)",
      mortality: 0.005,
      losDays: 4,
      labs: { "White Blood Cells": 1.4 },
      drugs: ["Vancomycin", "CeFAZolin", "Acetaminophen"],
      radiology: ["UNILAT LOWER EXT VEINS RIGHT"],
      micro: ["BLOOD CULTURE"],
    }),
    5,
  ],
  [
    scenario({
      name: "urinary tract infection",
      diagnosis: code(
        "N390",
        "Urinary tract infection, site not specified",
        "5990",
        "Urinary tract infection, site not specified",
      ),
      complaints: ["Altered mental status", "Dysuria", "Fever"],
      service: "MED",
      elective: false,
      icu: 0.05,
      icuUnit: "Medical Intensive Care Unit (MICU)",
      mortality: 0.02,
      losDays: 3,
      labs: { "White Blood Cells": 1.3 },
      panels: ["urine"],
      drugs: ["CefTRIAXone", "Acetaminophen"],
      radiology: [],
      micro: ["URINE"],
    }),
    6,
  ],
  [
    scenario({
      name: "acute pancreatitis",
      diagnosis: code(
        "K8590",
        "Acute pancreatitis without necrosis or infection, unspecified",
        "5770",
        "Acute pancreatitis",
      ),
      complaints: ["Abdominal pain", "Nausea/Vomiting"],
      service: "MED",
      elective: false,
      icu: 0.15,
      icuUnit: "Medical Intensive Care Unit (MICU)",
      mortality: 0.03,
      losDays: 5,
      labs: { Lipase: 14, "White Blood Cells": 1.3 },
      panels: ["pancreas", "lft"],
      drugs: ["HYDROmorphone (Dilaudid)", "Ondansetron"],
      icuDrips: ["saline"],
      radiology: ["CT ABD & PELVIS WITH CONTRAST", "LIVER OR GALLBLADDER US (SINGLE ORGAN)"],
    }),
    4,
  ],
  [
    scenario({
      name: "elective hip replacement",
      diagnosis: code(
        "M1611",
        "Unilateral primary osteoarthritis, right hip",
        "71515",
        "Osteoarthrosis, localized, primary, pelvic region and thigh",
      ),
      complaints: [],
      service: "ORTHO",
      elective: true,
      icu: 0.02,
      icuUnit: "Surgical Intensive Care Unit (SICU)",
      mortality: 0.002,
      losDays: 3,
      labs: {},
      panels: ["coags"],
      drugs: [
        "Enoxaparin Sodium",
        "OxyCODONE (Immediate Release)",
        "Acetaminophen",
        "CeFAZolin",
        "Docusate Sodium",
        "Senna",
      ],
      procedures: [P.hip],
      radiology: ["HIP 1 VIEW RIGHT"],
      ward: "Orthopedics",
    }),
    4,
  ],
  [
    scenario({
      name: "coronary bypass",
      diagnosis: code(
        "I2510",
        "Atherosclerotic heart disease of native coronary artery without angina pectoris",
        "41401",
        "Coronary atherosclerosis of native coronary artery",
      ),
      complaints: [],
      service: "CSURG",
      elective: true,
      icu: 0.95,
      icuUnit: "Cardiac Vascular Intensive Care Unit (CVICU)",
      mortality: 0.02,
      losDays: 7,
      labs: { Hemoglobin: 0.8 },
      panels: ["coags", "gas", "cardiac"],
      drugs: ["Aspirin", "Metoprolol Tartrate", "Furosemide", "Potassium Chloride", "Docusate Sodium"],
      icuDrips: ["propofol", "fentanyl", "norepinephrine", "saline", "insulin"],
      procedures: [P.cabg, P.ventilation],
      radiology: ["CHEST (PORTABLE AP)", "CHEST (PA AND LAT)"],
      ward: "Cardiac Surgery",
    }),
    3,
  ],
  [
    scenario({
      name: "acute cholecystitis",
      diagnosis: code("K810", "Acute cholecystitis", "5750", "Acute cholecystitis"),
      complaints: ["Abdominal pain", "RUQ pain"],
      service: "SURG",
      elective: false,
      icu: 0.05,
      icuUnit: "Surgical Intensive Care Unit (SICU)",
      mortality: 0.01,
      losDays: 3,
      labs: { "White Blood Cells": 1.4, "Bilirubin, Total": 1.8 },
      panels: ["lft"],
      drugs: ["Piperacillin-Tazobactam", "Ondansetron", "HYDROmorphone (Dilaudid)"],
      procedures: [P.cholecystectomy],
      radiology: ["LIVER OR GALLBLADDER US (SINGLE ORGAN)"],
      ward: "Surgery",
    }),
    4,
  ],
  [
    scenario({
      name: "hip fracture",
      diagnosis: code(
        "S72001A",
        "Fracture of unspecified part of neck of right femur, initial encounter for closed fracture",
        "82000",
        "Closed fracture of intracapsular section of neck of femur, unspecified",
      ),
      complaints: ["s/p Fall", "Hip pain"],
      service: "ORTHO",
      elective: false,
      icu: 0.05,
      icuUnit: "Surgical Intensive Care Unit (SICU)",
      mortality: 0.03,
      losDays: 5,
      labs: {},
      panels: ["coags"],
      drugs: ["Enoxaparin Sodium", "OxyCODONE (Immediate Release)", "Acetaminophen", "Senna"],
      procedures: [P.hip],
      radiology: ["HIP 1 VIEW RIGHT", "CT HEAD W/O CONTRAST"],
      ward: "Orthopedics",
    }),
    4,
  ],
  [
    scenario({
      name: "alcoholic cirrhosis",
      diagnosis: code("K7031", "Alcoholic cirrhosis of liver with ascites", "5712", "Alcoholic cirrhosis of liver"),
      secondary: [
        code(
          "F1020",
          "Alcohol dependence, uncomplicated",
          "30390",
          "Other and unspecified alcohol dependence, unspecified",
        ),
      ],
      complaints: ["Abdominal distention", "Confusion"],
      service: "MED",
      elective: false,
      icu: 0.2,
      icuUnit: "Medical Intensive Care Unit (MICU)",
      mortality: 0.09,
      losDays: 6,
      labs: {
        "Bilirubin, Total": 4,
        "Alanine Aminotransferase (ALT)": 1.8,
        "Asparate Aminotransferase (AST)": 2.5,
        Albumin: 0.7,
        "INR(PT)": 1.6,
        "Platelet Count": 0.45,
      },
      panels: ["lft", "coags"],
      drugs: ["Lactulose", "Rifaximin", "Spironolactone", "Furosemide", "Lorazepam"],
      icuDrips: ["saline"],
      procedures: [P.paracentesis],
      radiology: ["LIVER OR GALLBLADDER US (SINGLE ORGAN)", "DUPLEX DOPP ABD/PEL"],
    }),
    4,
  ],
  [
    scenario({
      name: "syncope observation",
      diagnosis: code("R55", "Syncope and collapse", "7802", "Syncope and collapse"),
      complaints: ["Syncope", "Dizziness", "Chest pain"],
      service: "MED",
      elective: false,
      icu: 0.01,
      icuUnit: "Medical Intensive Care Unit (MICU)",
      mortality: 0.001,
      losDays: 1.5,
      labs: {},
      panels: ["cardiac"],
      drugs: ["Aspirin", "Acetaminophen"],
      radiology: ["CT HEAD W/O CONTRAST", "CHEST (PA AND LAT)"],
    }),
    6,
  ],
  [
    scenario({
      name: "meningitis workup",
      diagnosis: code("G039", "Meningitis, unspecified", "3229", "Meningitis, unspecified"),
      complaints: ["Headache", "Fever", "Neck stiffness"],
      service: "MED",
      elective: false,
      icu: 0.25,
      icuUnit: "Medical Intensive Care Unit (MICU)",
      mortality: 0.05,
      losDays: 5,
      labs: { "White Blood Cells": 1.8 },
      drugs: ["Vancomycin", "CefTRIAXone", "Acetaminophen", "Ondansetron"],
      icuDrips: ["saline", "vancomycin"],
      procedures: [P.lumbarPuncture],
      radiology: ["CT HEAD W/O CONTRAST"],
      micro: ["BLOOD CULTURE", "CSF;SPINAL FLUID"],
    }),
    2,
  ],
];

/** ED presentations that are treated and sent home. */
export const ED_ONLY: readonly { complaint: string; code: Code; meds: readonly string[] }[] = [
  {
    complaint: "Abdominal pain",
    code: code("R109", "Unspecified abdominal pain", "78900", "Abdominal pain, unspecified site"),
    meds: ["Ondansetron", "Morphine Sulfate"],
  },
  {
    complaint: "Chest pain",
    code: code("R079", "Chest pain, unspecified", "78650", "Chest pain, unspecified"),
    meds: ["Aspirin"],
  },
  {
    complaint: "Headache",
    code: code("R519", "Headache, unspecified", "7840", "Headache"),
    meds: ["Acetaminophen", "Ondansetron"],
  },
  {
    complaint: "Back pain",
    code: code("M5450", "Low back pain, unspecified", "7242", "Lumbago"),
    meds: ["Acetaminophen", "OxyCODONE (Immediate Release)"],
  },
  {
    complaint: "Laceration",
    code: code(
      "S0181XA",
      "Laceration without foreign body of other part of head, initial encounter",
      "8730",
      "Open wound of scalp, without mention of complication",
    ),
    meds: [],
  },
  {
    complaint: "Ankle injury",
    code: code(
      "S93401A",
      "Sprain of unspecified ligament of right ankle, initial encounter",
      "84500",
      "Sprain of ankle, unspecified site",
    ),
    meds: ["Acetaminophen"],
  },
  {
    complaint: "Cough",
    code: code("R059", "Cough, unspecified", "7862", "Cough"),
    meds: ["Ipratropium-Albuterol Neb"],
  },
  { complaint: "Dizziness", code: code("R42", "Dizziness and giddiness", "7804", "Dizziness and giddiness"), meds: [] },
  {
    complaint: "Nausea/Vomiting",
    code: code("R112", "Nausea with vomiting, unspecified", "78701", "Nausea with vomiting"),
    meds: ["Ondansetron"],
  },
  {
    complaint: "Rash",
    code: code("R21", "Rash and other nonspecific skin eruption", "7821", "Rash and other nonspecific skin eruption"),
    meds: [],
  },
  {
    complaint: "Anxiety",
    code: code("F419", "Anxiety disorder, unspecified", "30000", "Anxiety state, unspecified"),
    meds: ["Lorazepam"],
  },
];

export const RADIOLOGY_EXAMS: Readonly<
  Record<string, { code: string; cpt: string; findings: readonly string[]; impression: readonly string[] }>
> = {
  "CHEST (PORTABLE AP)": {
    code: "C11",
    cpt: "71045",
    findings: [
      "Lungs are clear. No pleural effusion or pneumothorax.",
      "Patchy opacity at the right base.",
      "Mild pulmonary vascular congestion. Small bilateral pleural effusions.",
    ],
    impression: [
      "No acute cardiopulmonary process.",
      "Right basilar opacity, which may represent atelectasis or pneumonia.",
      "Mild pulmonary edema.",
    ],
  },
  "CHEST (PA AND LAT)": {
    code: "C12",
    cpt: "71046",
    findings: [
      "The heart size is normal. Lungs are clear.",
      "Left lower lobe consolidation.",
      "Cardiomegaly with interstitial edema.",
    ],
    impression: ["No acute intrathoracic process.", "Left lower lobe pneumonia.", "Congestive heart failure."],
  },
  "CT HEAD W/O CONTRAST": {
    code: "CHD",
    cpt: "70450",
    findings: [
      "No intracranial hemorrhage, mass effect, or acute territorial infarction.",
      "Hypodensity in the right MCA territory.",
    ],
    impression: ["No acute intracranial abnormality.", "Evolving right MCA territory infarct."],
  },
  "MR HEAD W & W/O CONTRAST": {
    code: "MHD",
    cpt: "70553",
    findings: ["Restricted diffusion in the right frontal lobe.", "No abnormal enhancement."],
    impression: ["Acute right frontal infarct.", "No acute intracranial process."],
  },
  "CTA HEAD AND NECK": {
    code: "CTAH",
    cpt: "70496",
    findings: ["Patent intracranial and cervical arteries.", "Occlusion of a distal right MCA branch."],
    impression: ["No large vessel occlusion.", "Distal right MCA branch occlusion."],
  },
  "RENAL U.S.": {
    code: "URE",
    cpt: "76770",
    findings: ["No hydronephrosis. Kidneys are normal in size.", "Echogenic kidneys bilaterally."],
    impression: ["No hydronephrosis.", "Findings consistent with medical renal disease."],
  },
  "UNILAT LOWER EXT VEINS RIGHT": {
    code: "ULV",
    cpt: "93971",
    findings: ["Normal compressibility and flow in the right common femoral, femoral and popliteal veins."],
    impression: ["No evidence of deep venous thrombosis in the right lower extremity."],
  },
  "CT ABD & PELVIS WITH CONTRAST": {
    code: "CAP",
    cpt: "74177",
    findings: ["Peripancreatic fat stranding without necrosis.", "No free air or abscess."],
    impression: ["Acute interstitial pancreatitis.", "No acute abdominal process."],
  },
  "LIVER OR GALLBLADDER US (SINGLE ORGAN)": {
    code: "ULI",
    cpt: "76705",
    findings: [
      "Distended gallbladder with wall thickening and stones.",
      "Coarsened echotexture of the liver with moderate ascites.",
    ],
    impression: ["Acute cholecystitis.", "Cirrhotic liver with ascites."],
  },
  "HIP 1 VIEW RIGHT": {
    code: "HIP",
    cpt: "73501",
    findings: [
      "Displaced subcapital femoral neck fracture.",
      "Postoperative changes of right hip arthroplasty in expected alignment.",
    ],
    impression: ["Right femoral neck fracture.", "Expected postoperative appearance."],
  },
  "DUPLEX DOPP ABD/PEL": {
    code: "DAP",
    cpt: "93975",
    findings: ["Patent main portal vein with hepatopetal flow."],
    impression: ["Patent hepatic vasculature."],
  },
};

export const MICRO_TESTS: Readonly<
  Record<string, { specItemid: number; testItemid: number; testName: string; positive: number }>
> = {
  "BLOOD CULTURE": { specItemid: 70012, testItemid: 90201, testName: "Blood Culture, Routine", positive: 0.2 },
  URINE: { specItemid: 70079, testItemid: 90039, testName: "URINE CULTURE", positive: 0.45 },
  SPUTUM: { specItemid: 70070, testItemid: 90041, testName: "RESPIRATORY CULTURE", positive: 0.4 },
  "CSF;SPINAL FLUID": { specItemid: 70040, testItemid: 90050, testName: "GRAM STAIN", positive: 0.1 },
  "MRSA SCREEN": { specItemid: 70091, testItemid: 90115, testName: "MRSA SCREEN", positive: 0.1 },
};

export const ORGANISMS: readonly { itemid: number; name: string }[] = [
  { itemid: 80002, name: "ESCHERICHIA COLI" },
  { itemid: 80023, name: "STAPH AUREUS COAG +" },
  { itemid: 80026, name: "KLEBSIELLA PNEUMONIAE" },
  { itemid: 80053, name: "ENTEROCOCCUS SP." },
  { itemid: 80040, name: "PSEUDOMONAS AERUGINOSA" },
];

export const ANTIBIOTICS: readonly { itemid: number; name: string }[] = [
  { itemid: 90004, name: "CEFTRIAXONE" },
  { itemid: 90012, name: "CIPROFLOXACIN" },
  { itemid: 90013, name: "GENTAMICIN" },
  { itemid: 90015, name: "TRIMETHOPRIM/SULFA" },
  { itemid: 90019, name: "VANCOMYCIN" },
  { itemid: 90016, name: "OXACILLIN" },
  { itemid: 90025, name: "PIPERACILLIN/TAZO" },
  { itemid: 90028, name: "MEROPENEM" },
  { itemid: 90014, name: "NITROFURANTOIN" },
];

export const HCPCS: readonly { code: string; category: number; long: string; short: string }[] = [
  {
    code: "99223",
    category: 1,
    long: "Initial hospital care, per day, for the evaluation and management of a patient, high complexity",
    short: "Hospital care",
  },
  {
    code: "99291",
    category: 1,
    long: "Critical care, evaluation and management of the critically ill or critically injured patient; first 30-74 minutes",
    short: "Critical care",
  },
  {
    code: "93010",
    category: 1,
    long: "Electrocardiogram, routine ECG with at least 12 leads; interpretation and report only",
    short: "Electrocardiogram report",
  },
  { code: "G0378", category: 2, long: "Hospital observation service, per hour", short: "Hospital observation per hr" },
];

export const CAREUNITS = {
  ed: "Emergency Department",
  edObservation: "Emergency Department Observation",
};

export const RACES: readonly (readonly [string, number])[] = [
  ["WHITE", 60],
  ["BLACK/AFRICAN AMERICAN", 14],
  ["HISPANIC/LATINO - PUERTO RICAN", 5],
  ["ASIAN - CHINESE", 3],
  ["ASIAN", 2],
  ["OTHER", 5],
  ["UNKNOWN", 8],
  ["WHITE - OTHER EUROPEAN", 3],
];

export const ANCHOR_YEAR_GROUPS = ["2008 - 2010", "2011 - 2013", "2014 - 2016", "2017 - 2019", "2020 - 2022"] as const;
/** Share of ICD-9 coding by anchor year group (ICD-10 began in October 2015). */
export const ICD9_SHARE: Readonly<Record<string, number>> = {
  "2008 - 2010": 0.95,
  "2011 - 2013": 0.85,
  "2014 - 2016": 0.4,
  "2017 - 2019": 0,
  "2020 - 2022": 0,
};
