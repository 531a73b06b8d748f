import {
  ANCHOR_YEAR_GROUPS,
  ANTIBIOTICS,
  CHART_ITEMS,
  type Code,
  COMORBIDITIES,
  DRUGS,
  ED_ONLY,
  EXTRA_DATE_ITEMS,
  HCPCS,
  ICD9_SHARE,
  ICU_PROCEDURES,
  INFUSIONS,
  type IcuItem,
  type Lab,
  LABS,
  MICRO_TESTS,
  ORGANISMS,
  OUTPUT_ITEMS,
  PANELS,
  RACES,
  RADIOLOGY_EXAMS,
  type Scenario,
  SCENARIOS,
} from "./catalog.js";
import type { Random } from "../../common/random.js";
import type { Cell } from "./table-writer.js";

export interface Sink {
  add(table: string, row: Readonly<Record<string, Cell>>): void;
}

/** Id counters shared by all patients, advanced in patient order so ids are deterministic. */
export class Ids {
  hadm = 20_000_000;
  icuStay = 30_000_000;
  edStay = 35_000_000;
  transfer = 30_000_000;
  labevent = 0;
  specimen = 1_000_000;
  microevent = 0;
  microSpecimen = 5_000_000;
  pharmacy = 10_000_000;
  order = 100_000;
  next(key: keyof Ids): number {
    return ++(this[key] as number);
  }
}

const HOUR = 3_600_000;
const DAY = 24 * HOUR;
const MINUTE = 60_000;

const pad = (n: number, width = 2) => String(n).padStart(width, "0");
export function ts(ms: number): string {
  const d = new Date(ms);
  return `${d.getUTCFullYear()}-${pad(d.getUTCMonth() + 1)}-${pad(d.getUTCDate())} ${pad(d.getUTCHours())}:${pad(d.getUTCMinutes())}:${pad(d.getUTCSeconds())}`;
}
export function date(ms: number): string {
  return ts(ms).slice(0, 10);
}
const minute = (ms: number) => Math.floor(ms / MINUTE) * MINUTE;
const midnight = (ms: number) => Math.floor(ms / DAY) * DAY;
const round = (x: number, decimals: number) => Number(x.toFixed(decimals));

const LAB_BY_KEY = new Map<string, Lab>(LABS.map((l) => [l.fluid === "Blood" ? l.label : `${l.label}/${l.fluid}`, l]));
const DAILY_PANELS = ["bmp", "cbc"];

interface Person {
  subjectId: number;
  gender: "F" | "M";
  anchorAge: number;
  anchorYear: number;
  group: string;
  race: string;
  comorbidities: string[];
  weightKg: number;
  provider: string;
  dod: number | null;
  noteSeq: { ds: number; rr: number };
  /** The profile's factor on ICU admission. */
  icuScale: number;
}

interface Stay {
  hadmId: number;
  admit: number;
  disch: number;
  died: boolean;
  icd9: boolean;
  scenario: Scenario;
  severity: number;
}

/**
 * Writes one patient's whole record. The clinical model: a sequence of episodes (outpatient visits,
 * ED visits that are or are not admitted, elective admissions); admissions draw a scenario that
 * drives labs, drugs, procedures, imaging, microbiology, ICU care and outcomes; discharges can be
 * followed by readmission, and death ends the record.
 */
export interface PatientShape {
  /** Mean of the extra-episode exponential (default 1.4). */
  episodeMean: number;
  /** Multiplies every scenario's ICU probability (default 1). */
  icuScale: number;
  /** Share of frequent flyers with 20–40 episodes (default 0: no draw is made, so default cohorts keep their bytes). */
  frequentShare: number;
}

const DEFAULT_SHAPE: PatientShape = { episodeMean: 1.4, icuScale: 1, frequentShare: 0 };

export function generatePatient(
  index: number,
  rng: Random,
  ids: Ids,
  out: Sink,
  shape: PatientShape = DEFAULT_SHAPE,
): void {
  const subjectId = 10_000_000 + index;
  const group = rng.pick(ANCHOR_YEAR_GROUPS);
  const anchorAge = Math.min(91, Math.max(18, Math.round(rng.normal(62, 17))));
  const comorbidityNames = Object.keys(COMORBIDITIES);
  const person: Person = {
    subjectId,
    gender: rng.chance(0.52) ? "F" : "M",
    anchorAge,
    anchorYear: rng.int(2110, 2200),
    group,
    race: rng.weighted(RACES),
    comorbidities: rng.sample(comorbidityNames, Math.min(6, Math.floor(rng.exponential(0.9 + anchorAge / 50)))),
    weightKg: round(rng.normal(80, 16), 1),
    provider: `P${rng.int(10000, 99999).toString(36).toUpperCase()}`,
    dod: null,
    noteSeq: { ds: 0, rr: 0 },
    icuScale: shape.icuScale,
  };
  let t = Date.UTC(person.anchorYear, 0, 1) + rng.int(0, 364) * DAY + rng.int(6, 22) * HOUR;
  const episodes =
    shape.frequentShare > 0 && rng.chance(shape.frequentShare)
      ? rng.int(20, 40)
      : 1 + Math.floor(rng.exponential(shape.episodeMean));
  let pending: "readmission" | null = null;
  let remaining = episodes;
  while (remaining > 0 || pending) {
    remaining--;
    const kind =
      pending ??
      rng.weighted([
        ["ed", 50],
        ["elective", 12],
        ["outpatient", 38],
      ] as const);
    pending = null;
    let stay: Stay | null;
    if (kind === "outpatient") {
      outpatientVisit(person, t, rng, ids, out);
      t += rng.exponential(90) * DAY + DAY;
      continue;
    }
    if (kind === "elective") {
      const scenario = electiveScenario(rng);
      stay = admission(person, minute(t), scenario, null, rng, ids, out);
    } else {
      const ed = edVisit(person, t, rng, ids, out, kind === "readmission");
      if (ed.returnAt !== null) {
        // A bounce-back: the same complaint brings the patient back within three days.
        t = ed.returnAt;
        remaining++;
        const again = edVisit(person, t, rng, ids, out, true);
        stay = again.stay;
        t = again.outtime;
      } else {
        stay = ed.stay;
        t = ed.outtime;
      }
    }
    if (stay) {
      t = stay.disch;
      if (stay.died) break;
      // Readmission within 30 or 60 days is what the Readmission tasks predict; make both common.
      const r = rng.next();
      if (r < 0.17 + 0.04 * person.comorbidities.length) {
        t = stay.disch + rng.uniform(2, 29) * DAY;
        pending = "readmission";
        continue;
      }
      if (r < 0.3 + 0.04 * person.comorbidities.length) {
        t = stay.disch + rng.uniform(31, 58) * DAY;
        pending = "readmission";
        continue;
      }
    }
    t += (rng.exponential(150) + 1) * DAY;
  }
  // Deaths after the last discharge, recorded from state records (MIMIC-IV keeps dod up to a year out).
  if (person.dod === null && rng.chance(0.05 + person.anchorAge / 900 + 0.02 * person.comorbidities.length)) {
    person.dod = midnight(t + rng.uniform(1, 360) * DAY);
  }
  out.add("patients", {
    subject_id: subjectId,
    gender: person.gender,
    anchor_age: anchorAge,
    anchor_year: person.anchorYear,
    anchor_year_group: group,
    dod: person.dod === null ? null : date(person.dod),
  });
}

function electiveScenario(rng: Random): Scenario {
  const elective = SCENARIOS.filter(([s]) => s.elective);
  return rng.weighted(elective);
}

function acuteScenario(rng: Random): Scenario {
  return rng.weighted(SCENARIOS.filter(([s]) => !s.elective));
}

function outpatientVisit(p: Person, t: number, rng: Random, ids: Ids, out: Sink): void {
  const day = date(t);
  const seq = 1;
  const sbp = Math.round(rng.normal(p.comorbidities.includes("hypertension") ? 142 : 124, 12));
  out.add("omr", {
    subject_id: p.subjectId,
    chartdate: day,
    seq_num: seq,
    result_name: "Blood Pressure",
    result_value: `${sbp}/${Math.round(sbp * 0.62)}`,
  });
  const lbs = round(p.weightKg * 2.20462 + rng.normal(0, 3), 1);
  out.add("omr", {
    subject_id: p.subjectId,
    chartdate: day,
    seq_num: seq,
    result_name: "Weight (Lbs)",
    result_value: String(lbs),
  });
  out.add("omr", {
    subject_id: p.subjectId,
    chartdate: day,
    seq_num: seq,
    result_name: "BMI (kg/m2)",
    result_value: String(round(p.weightKg / 2.9, 1)),
  });
  if (rng.chance(0.4))
    out.add("omr", {
      subject_id: p.subjectId,
      chartdate: day,
      seq_num: seq + 1,
      result_name: "Height (Inches)",
      result_value: String(rng.int(60, 74)),
    });
  if (rng.chance(0.6))
    labDraw(
      p,
      null,
      t + rng.int(1, 3) * HOUR,
      ["bmp", "cbc", ...(p.comorbidities.includes("diabetes") ? ["a1c"] : [])],
      {},
      0,
      rng,
      ids,
      out,
      "ROUTINE",
    );
  // A blood-pressure recheck the next day: an outpatient record with outpatient events in the 24 h before it.
  if (rng.chance(0.35)) {
    const recheck = Math.round(sbp + rng.normal(-4, 8));
    out.add("omr", {
      subject_id: p.subjectId,
      chartdate: date(t + 24 * HOUR),
      seq_num: 1,
      result_name: "Blood Pressure",
      result_value: `${recheck}/${Math.round(recheck * 0.62)}`,
    });
  }
}

interface EdResult {
  stay: Stay | null;
  outtime: number;
  returnAt: number | null;
}

function edVisit(p: Person, t: number, rng: Random, ids: Ids, out: Sink, sick: boolean): EdResult {
  const intime = minute(t);
  const stayId = ids.next("edStay");
  const admitted = sick || rng.chance(0.45);
  const scenario = admitted ? acuteScenario(rng) : null;
  const presentation = scenario ? null : rng.pick(ED_ONLY);
  const complaint = scenario ? rng.pick(scenario.complaints) : presentation!.complaint;
  const severity = scenario ? rng.next() : 0;
  const outtime = minute(intime + Math.max(1.2, rng.logNormal(admitted ? 6 : 4, 0.45)) * HOUR);
  const icd9 = rng.chance(ICD9_SHARE[p.group] ?? 0);
  const stay = scenario
    ? admission(
        p,
        minute(outtime - rng.uniform(0.3, 1.5) * HOUR),
        scenario,
        { stayId, intime, outtime, complaint, severity },
        rng,
        ids,
        out,
      )
    : null;
  const hadmId = stay?.hadmId ?? null;

  const disposition = stay
    ? "ADMITTED"
    : rng.weighted([
        ["HOME", 85],
        ["LEFT WITHOUT BEING SEEN", 4],
        ["LEFT AGAINST MEDICAL ADVICE", 3],
        ["TRANSFER", 3],
        ["OTHER", 5],
      ] as const);
  out.add("edstays", {
    subject_id: p.subjectId,
    hadm_id: hadmId,
    stay_id: stayId,
    intime: ts(intime),
    outtime: ts(outtime),
    gender: p.gender,
    race: p.race,
    arrival_transport: rng.weighted([
      ["WALK IN", 55],
      ["AMBULANCE", 38],
      ["UNKNOWN", 5],
      ["HELICOPTER", 2],
    ] as const),
    disposition,
  });
  const sickness = severity * (stay ? 1 : 0);
  const hr = Math.round(rng.normal(84 + 30 * sickness, 10));
  const sbp = Math.round(rng.normal(132 - 30 * sickness, 14));
  out.add("triage", {
    subject_id: p.subjectId,
    stay_id: stayId,
    temperature: round(rng.normal(98.2 + 1.8 * sickness, 0.6), 1),
    heartrate: hr,
    resprate: Math.round(rng.normal(17 + 5 * sickness, 2)),
    o2sat: Math.min(100, Math.round(rng.normal(98 - 4 * sickness, 1.5))),
    sbp,
    dbp: Math.round(sbp * rng.uniform(0.55, 0.68)),
    pain: rng.weighted([
      ["0", 40],
      [String(rng.int(1, 10)), 50],
      ["UTA", 5],
      ["Critical", 5],
    ] as const),
    acuity: stay ? (sickness > 0.7 ? 1 : rng.int(2, 3)) : rng.int(2, 5),
    chiefcomplaint: complaint,
  });
  for (let v = intime + rng.int(10, 40) * MINUTE; v < outtime; v += rng.uniform(0.8, 2.5) * HOUR) {
    const s = Math.round(rng.normal(sbp, 10));
    out.add("vitalsign", {
      subject_id: p.subjectId,
      stay_id: stayId,
      charttime: ts(minute(v)),
      temperature: rng.chance(0.7) ? round(rng.normal(98.4 + sickness, 0.5), 1) : null,
      heartrate: Math.round(rng.normal(hr - 4, 6)),
      resprate: Math.round(rng.normal(17, 2)),
      o2sat: Math.min(100, Math.round(rng.normal(97, 1.5))),
      sbp: s,
      dbp: Math.round(s * 0.6),
      rhythm: rng.chance(0.15) ? rng.pick(["Sinus Rhythm", "Normal Sinus Rhythm", "Atrial Fibrillation"]) : null,
      pain: rng.chance(0.6) ? String(rng.int(0, 8)) : null,
    });
  }
  const homeMeds = p.comorbidities.flatMap((c) => COMORBIDITIES[c]?.homeMeds ?? []);
  if (homeMeds.length && rng.chance(0.75)) {
    const when = ts(minute(intime + rng.uniform(0.3, 1.5) * HOUR));
    homeMeds.forEach((name) => {
      const d = DRUGS[name]!;
      out.add("medrecon", {
        subject_id: p.subjectId,
        stay_id: stayId,
        charttime: when,
        name: name.toLowerCase(),
        gsn: String(10000 + (hash(name) % 80000)),
        ndc: d.ndc,
        etc_rn: 1,
        etccode: String(500 + (hash(d.drugClass) % 5000)),
        etcdescription: d.drugClass,
      });
    });
  }
  const edMeds = scenario ? scenario.drugs.slice(0, 2) : presentation!.meds;
  edMeds.forEach((name, i) => {
    out.add("pyxis", {
      subject_id: p.subjectId,
      stay_id: stayId,
      charttime: ts(minute(intime + rng.uniform(0.5, 0.9) * (outtime - intime))),
      med_rn: i + 1,
      name,
      gsn_rn: 1,
      gsn: String(10000 + (hash(name) % 80000)),
    });
  });
  if (!stay && rng.chance(0.5))
    labDraw(p, null, intime + rng.int(20, 60) * MINUTE, ["bmp", "cbc"], {}, 0, rng, ids, out, "STAT");
  // Triage has no time column: the timeline places it at ED arrival + 1 s.
  out.add("transfers", {
    subject_id: p.subjectId,
    hadm_id: hadmId,
    transfer_id: ids.next("transfer"),
    eventtype: "ED",
    careunit: "Emergency Department",
    intime: ts(intime),
    outtime: ts(outtime),
  });
  const dx = scenario ? [scenario.diagnosis, ...scenario.secondary.slice(0, 1)] : [presentation!.code];
  dx.forEach((c, i) => {
    out.add("diagnosis", {
      subject_id: p.subjectId,
      stay_id: stayId,
      seq_num: i + 1,
      icd_code: icd9 ? c.icd9 : c.icd10,
      icd_version: icd9 ? 9 : 10,
      icd_title: (icd9 ? c.title9 : c.title10).toUpperCase(),
    });
  });
  const returnAt = !stay && rng.chance(0.1) ? outtime + rng.uniform(6, 70) * HOUR : null;
  return { stay, outtime: stay?.disch ?? outtime, returnAt };
}

interface EdContext {
  stayId: number;
  intime: number;
  outtime: number;
  complaint: string;
  severity: number;
}

function admission(
  p: Person,
  admit: number,
  scenario: Scenario,
  ed: EdContext | null,
  rng: Random,
  ids: Ids,
  out: Sink,
): Stay {
  const hadmId = ids.next("hadm");
  const severity = ed?.severity ?? rng.next();
  const icd9 = rng.chance(ICD9_SHARE[p.group] ?? 0);
  const icu = rng.chance(scenario.icu * (0.6 + 0.8 * severity) * p.icuScale);
  const dies = rng.chance(scenario.mortality * (0.5 + severity) * (icu ? 2.2 : 0.6) * (0.6 + p.anchorAge / 100));
  let los = Math.max(scenario.losDays < 2 ? 0.6 : 1, rng.logNormal(scenario.losDays * (icu ? 1.5 : 1), 0.55)) * DAY;

  // ICU course: direct from the ED for the sickest, otherwise after some ward time; long stays and readmissions both occur.
  const icuStays: { start: number; end: number }[] = [];
  if (icu) {
    const start = minute(
      ed && rng.chance(0.65)
        ? ed.outtime + rng.uniform(0.2, 6) * HOUR
        : admit + rng.uniform(2, Math.min(72, los / HOUR / 2)) * HOUR,
    );
    const longStay = rng.chance(0.07);
    const length = (longStay ? rng.uniform(14.5, 24) : Math.max(0.6, rng.logNormal(2.4, 0.75))) * DAY;
    icuStays.push({ start, end: minute(start + length) });
    if (!dies && rng.chance(0.14)) {
      const s2 = minute(start + length + rng.uniform(12, 96) * HOUR);
      icuStays.push({ start: s2, end: minute(s2 + Math.max(0.5, rng.logNormal(1.8, 0.6)) * DAY) });
    }
    los = Math.max(
      los,
      icuStays[icuStays.length - 1]!.end - admit + rng.uniform(dies ? 0 : 12, dies ? 0.01 : 96) * HOUR,
    );
  }
  let disch = minute(admit + los);
  if (dies) {
    // In-hospital deaths: in the ICU for ICU patients (often within days of arrival, which is what ICU mortality tasks need).
    const first = icuStays[0];
    if (first) {
      const death = minute(first.start + Math.min(first.end - first.start, rng.logNormal(2.5, 0.9) * DAY));
      first.end = death;
      icuStays.length = 1;
      disch = death;
    }
    p.dod = midnight(disch);
  }
  const stay: Stay = { hadmId, admit, disch, died: dies, icd9, scenario, severity };
  const elective = scenario.elective;
  out.add("admissions", {
    subject_id: p.subjectId,
    hadm_id: hadmId,
    admittime: ts(admit),
    dischtime: ts(disch),
    deathtime: dies ? ts(disch) : null,
    admission_type: elective
      ? rng.pick(["ELECTIVE", "SURGICAL SAME DAY ADMISSION"])
      : scenario.losDays < 2
        ? rng.pick(["OBSERVATION ADMIT", "EU OBSERVATION"])
        : rng.weighted([
            ["EW EMER.", 70],
            ["URGENT", 15],
            ["DIRECT EMER.", 5],
            ["OBSERVATION ADMIT", 10],
          ] as const),
    admit_provider_id: p.provider,
    admission_location: ed
      ? "EMERGENCY ROOM"
      : rng.pick(["PHYSICIAN REFERRAL", "CLINIC REFERRAL", "TRANSFER FROM HOSPITAL"]),
    discharge_location: dies
      ? "DIED"
      : rng.weighted([
          ["HOME", 50],
          ["HOME HEALTH CARE", 25],
          ["SKILLED NURSING FACILITY", 15],
          ["REHAB", 7],
          ["AGAINST ADVICE", 3],
        ] as const),
    insurance: p.anchorAge >= 65 ? "Medicare" : rng.pick(["Other", "Medicaid", "Other"]),
    language: rng.chance(0.9) ? "ENGLISH" : "?",
    marital_status: rng.pick(["MARRIED", "SINGLE", "WIDOWED", "DIVORCED"]),
    race: p.race,
    edregtime: ed ? ts(ed.intime) : null,
    edouttime: ed ? ts(ed.outtime) : null,
    hospital_expire_flag: dies ? 1 : 0,
  });

  // Transfers and services: the admission's movements between units.
  const wardUnit = scenario.ward;
  let cursor = ed ? ed.outtime : admit;
  const moves: { unit: string; start: number; end: number }[] = [];
  for (const s of icuStays) {
    if (s.start > cursor + 10 * MINUTE) moves.push({ unit: wardUnit, start: cursor, end: s.start });
    moves.push({ unit: scenario.icuUnit, start: s.start, end: s.end });
    cursor = s.end;
  }
  if (disch > cursor + 10 * MINUTE) moves.push({ unit: wardUnit, start: cursor, end: disch });
  moves.forEach((m, i) => {
    out.add("transfers", {
      subject_id: p.subjectId,
      hadm_id: hadmId,
      transfer_id: ids.next("transfer"),
      eventtype: i === 0 && !ed ? "admit" : i === 0 ? "admit" : "transfer",
      careunit: m.unit,
      intime: ts(m.start),
      outtime: ts(m.end),
    });
  });
  out.add("transfers", {
    subject_id: p.subjectId,
    hadm_id: hadmId,
    transfer_id: ids.next("transfer"),
    eventtype: "discharge",
    careunit: null,
    intime: ts(disch),
    outtime: null,
  });
  out.add("services", {
    subject_id: p.subjectId,
    hadm_id: hadmId,
    transfertime: ts(admit),
    prev_service: null,
    curr_service: scenario.service,
  });
  if (rng.chance(0.12)) {
    out.add("services", {
      subject_id: p.subjectId,
      hadm_id: hadmId,
      transfertime: ts(minute(admit + rng.uniform(0.3, 0.8) * (disch - admit))),
      prev_service: scenario.service,
      curr_service: rng.pick(["MED", "SURG", "CMED", "NMED"]),
    });
  }

  // Labs: an admission panel, then a morning draw every day.
  const labStart = ed ? ed.intime + rng.int(20, 50) * MINUTE : admit + rng.int(30, 120) * MINUTE;
  labDraw(
    p,
    hadmId,
    labStart,
    [...DAILY_PANELS, ...scenario.panels, "lytes"],
    scenario.labs,
    severity,
    rng,
    ids,
    out,
    "STAT",
  );
  for (let day = midnight(admit) + DAY + 5 * HOUR; day < disch; day += DAY) {
    const recovery = Math.max(0, 1 - (day - admit) / (disch - admit + DAY));
    labDraw(
      p,
      hadmId,
      day + rng.int(0, 90) * MINUTE,
      rng.chance(0.5) ? ["bmp", "cbc", "lytes"] : ["bmp", "cbc"],
      scenario.labs,
      severity * recovery,
      rng,
      ids,
      out,
      "ROUTINE",
    );
  }
  orders(p, hadmId, admit, disch, scenario, rng, out);
  medications(p, hadmId, admit, disch, scenario, rng, ids, out);
  for (const test of scenario.micro) microbiology(p, hadmId, labStart + rng.int(0, 60) * MINUTE, test, rng, ids, out);
  if (icuStays.length && rng.chance(0.5))
    microbiology(p, hadmId, icuStays[0]!.start + HOUR, "MRSA SCREEN", rng, ids, out);
  for (const exam of scenario.radiology) {
    if (rng.chance(0.8))
      radiology(
        p,
        hadmId,
        minute(admit + rng.uniform(0.5, Math.min(36, (disch - admit) / HOUR)) * HOUR),
        exam,
        ed?.complaint ?? scenario.name,
        rng,
        out,
      );
  }
  icuStays.forEach((s, i) => icuStay(p, hadmId, s.start, s.end, scenario, severity, i === 0, rng, ids, out));

  // Codes assigned after discharge: diagnoses, DRGs, procedures (dated), HCPCS.
  const codes: Code[] = [
    scenario.diagnosis,
    ...scenario.secondary,
    ...p.comorbidities.map((c) => COMORBIDITIES[c]!.code),
  ];
  if (rng.chance(0.3)) codes.push(COMORBIDITIES.anemia!.code);
  const seen = new Set<string>();
  let seq = 0;
  for (const c of codes) {
    const icd = icd9 ? c.icd9 : c.icd10;
    if (seen.has(icd)) continue;
    seen.add(icd);
    out.add("diagnoses_icd", {
      subject_id: p.subjectId,
      hadm_id: hadmId,
      seq_num: ++seq,
      icd_code: icd,
      icd_version: icd9 ? 9 : 10,
    });
  }
  const drg = 100 + (hash(scenario.name) % 800);
  out.add("drgcodes", {
    subject_id: p.subjectId,
    hadm_id: hadmId,
    drg_type: "HCFA",
    drg_code: String(drg),
    description: scenario.name.toUpperCase() + (severity > 0.6 ? " W MCC" : ""),
    drg_severity: null,
    drg_mortality: null,
  });
  out.add("drgcodes", {
    subject_id: p.subjectId,
    hadm_id: hadmId,
    drg_type: "APR",
    drg_code: String(drg + 1),
    description: scenario.name.toUpperCase(),
    drg_severity: 1 + Math.floor(severity * 3.99),
    drg_mortality: 1 + Math.floor(severity * (dies ? 3.99 : 2.5)),
  });
  let pseq = 0;
  for (const c of scenario.procedures) {
    if (!rng.chance(c === scenario.procedures[0] ? 0.85 : 0.4)) continue;
    out.add("procedures_icd", {
      subject_id: p.subjectId,
      hadm_id: hadmId,
      seq_num: ++pseq,
      chartdate: date(admit + rng.uniform(0, Math.max(0.1, (disch - admit) / DAY - 0.1)) * DAY),
      icd_code: icd9 ? c.icd9 : c.icd10,
      icd_version: icd9 ? 9 : 10,
    });
  }
  if (icuStays.length && !scenario.procedures.includes(ICU_LINE_CODE)) {
    out.add("procedures_icd", {
      subject_id: p.subjectId,
      hadm_id: hadmId,
      seq_num: pseq + 1,
      chartdate: date(icuStays[0]!.start),
      icd_code: icd9 ? ICU_LINE_CODE.icd9 : ICU_LINE_CODE.icd10,
      icd_version: icd9 ? 9 : 10,
    });
  }
  if (rng.chance(0.15)) {
    const h = rng.pick(HCPCS);
    out.add("hcpcsevents", {
      subject_id: p.subjectId,
      hadm_id: hadmId,
      chartdate: date(admit),
      hcpcs_cd: h.code,
      seq_num: 1,
      short_description: h.short,
    });
  }
  if (!dies || rng.chance(0.4)) dischargeNote(p, stay, ed?.complaint ?? null, codes, rng, out);
  return stay;
}

const ICU_LINE_CODE: Code = { icd10: "02HV33Z", title10: "", icd9: "3893", title9: "" };

function labDraw(
  p: Person,
  hadmId: number | null,
  at: number,
  panels: readonly string[],
  modifiers: Readonly<Record<string, number>>,
  severity: number,
  rng: Random,
  ids: Ids,
  out: Sink,
  priority: string,
): void {
  const charttime = minute(at);
  const store = ts(minute(charttime + rng.int(40, 150) * MINUTE));
  const specimen = ids.next("specimen");
  for (const panel of panels) {
    for (const key of PANELS[panel] ?? []) {
      const l = LAB_BY_KEY.get(key);
      if (!l) continue;
      const factor = 1 + ((modifiers[l.label] ?? 1) - 1) * (0.3 + severity);
      const value = Math.max(
        l.decimals ? 10 ** -l.decimals : 1,
        round(rng.normal(l.mean * factor, l.sd * Math.sqrt(factor)), l.decimals),
      );
      const abnormal = value < l.low || value > l.high;
      out.add("labevents", {
        labevent_id: ids.next("labevent"),
        subject_id: p.subjectId,
        hadm_id: hadmId,
        specimen_id: specimen,
        itemid: l.itemid,
        order_provider_id: rng.chance(0.3) ? p.provider : null,
        charttime: ts(charttime),
        storetime: store,
        value: String(value),
        valuenum: value,
        valueuom: l.unit || null,
        ref_range_lower: l.low,
        ref_range_upper: l.high,
        flag: abnormal ? "abnormal" : null,
        priority,
        comments: rng.chance(0.02) ? "___" : null,
      });
    }
  }
}

function orders(
  p: Person,
  hadmId: number,
  admit: number,
  disch: number,
  scenario: Scenario,
  rng: Random,
  out: Sink,
): void {
  let seq = 0;
  const add = (at: number, type: string, subtype: string | null) => {
    seq++;
    out.add("poe", {
      poe_id: `${p.subjectId}-${seq}`,
      poe_seq: seq,
      subject_id: p.subjectId,
      hadm_id: hadmId,
      ordertime: ts(minute(at)),
      order_type: type,
      order_subtype: subtype,
      transaction_type: "New",
      discontinue_of_poe_id: null,
      discontinued_by_poe_id: null,
      order_provider_id: p.provider,
      order_status: "Inactive",
    });
  };
  add(admit, "ADT orders", "Admit");
  out.add("poe_detail", {
    poe_id: `${p.subjectId}-${seq}`,
    poe_seq: seq,
    subject_id: p.subjectId,
    field_name: "Admit to",
    field_value: serviceName(scenario.service),
  });
  out.add("poe_detail", {
    poe_id: `${p.subjectId}-${seq}`,
    poe_seq: seq,
    subject_id: p.subjectId,
    field_name: "Code status",
    field_value: rng.chance(0.8) ? "Full code" : "DNR/DNI",
  });
  add(admit + 5 * MINUTE, "General Care", "Vitals/Monitoring");
  add(admit + 6 * MINUTE, "Nutrition", "Diet");
  for (let day = admit; day < disch; day += DAY) {
    add(day + rng.int(10, 120) * MINUTE, "Lab", null);
    add(day + rng.int(20, 180) * MINUTE, "Medications", null);
    if (rng.chance(0.4))
      add(
        day + rng.int(60, 600) * MINUTE,
        rng.pick(["IV therapy", "Respiratory", "Consults", "Radiology", "Blood Bank", "Cardiology"]),
        null,
      );
  }
  if (scenario.service === "CSURG" || scenario.service === "ORTHO" || scenario.service === "SURG")
    add(admit + HOUR, "General Care", "Pre-Op");
  add(disch - rng.int(60, 300) * MINUTE, "ADT orders", "Discharge");
  out.add("poe_detail", {
    poe_id: `${p.subjectId}-${seq}`,
    poe_seq: seq,
    subject_id: p.subjectId,
    field_name: "Discharge Planning",
    field_value: "Finalized",
  });
}

function medications(
  p: Person,
  hadmId: number,
  admit: number,
  disch: number,
  scenario: Scenario,
  rng: Random,
  ids: Ids,
  out: Sink,
): void {
  const names = [
    ...scenario.drugs,
    ...p.comorbidities.flatMap((c) => COMORBIDITIES[c]!.homeMeds).filter(() => rng.chance(0.5)),
  ];
  let emarSeq = 0;
  for (const name of [...new Set(names)]) {
    const d = DRUGS[name];
    if (!d) continue;
    const pharmacyId = ids.next("pharmacy");
    const start = minute(admit + rng.uniform(0.5, 8) * HOUR);
    const stop = minute(Math.min(disch, start + rng.uniform(1, Math.max(1.2, (disch - start) / DAY)) * DAY));
    const poeId = `${p.subjectId}-rx${pharmacyId}`;
    out.add("prescriptions", {
      subject_id: p.subjectId,
      hadm_id: hadmId,
      pharmacy_id: pharmacyId,
      poe_id: poeId,
      poe_seq: 1,
      order_provider_id: p.provider,
      starttime: ts(start),
      stoptime: ts(stop),
      drug_type: "MAIN",
      drug: name,
      formulary_drug_cd: name.slice(0, 6).toUpperCase().replace(/\W/g, ""),
      gsn: String(10000 + (hash(name) % 80000)),
      ndc: d.ndc,
      prod_strength: d.strength,
      form_rx: null,
      dose_val_rx: d.dose,
      dose_unit_rx: d.unit,
      form_val_disp: "1",
      form_unit_disp: d.form,
      doses_per_24_hrs: d.dosesPerDay,
      route: d.route,
    });
    out.add("pharmacy", {
      subject_id: p.subjectId,
      hadm_id: hadmId,
      pharmacy_id: pharmacyId,
      poe_id: poeId,
      starttime: ts(start),
      stoptime: ts(stop),
      medication: name,
      proc_type: d.procType,
      status: rng.pick([
        "Discontinued",
        "Discontinued via patient discharge",
        "Expired",
        "Inactive (Due to a change order)",
      ]),
      entertime: ts(minute(start - rng.int(5, 60) * MINUTE)),
      verifiedtime: ts(minute(start - rng.int(1, 4) * MINUTE)),
      route: d.route,
      frequency: { 1: "DAILY", 2: "Q12H", 3: "Q8H", 4: "Q6H" }[d.dosesPerDay] ?? "DAILY",
      disp_sched: null,
      infusion_type: null,
      sliding_scale: null,
      lockout_interval: null,
      basal_rate: null,
      one_hr_max: null,
      doses_per_24_hrs: d.dosesPerDay,
      duration: null,
      duration_interval: "Ongoing",
      expiration_value: 36,
      expiration_unit: "Hours",
      expirationdate: null,
      dispensation: "Omnicell",
      fill_quantity: null,
    });
    const every = DAY / d.dosesPerDay;
    for (let at = start + rng.int(0, 60) * MINUTE; at < stop; at += every) {
      emarSeq++;
      const given = rng.weighted([
        ["Administered", 88],
        ["Not Given", 5],
        ["Held", 3],
        ["Flushed", 4],
      ] as const);
      const emarId = `${p.subjectId}-${emarSeq}`;
      out.add("emar", {
        subject_id: p.subjectId,
        hadm_id: hadmId,
        emar_id: emarId,
        emar_seq: emarSeq,
        poe_id: poeId,
        pharmacy_id: pharmacyId,
        enter_provider_id: null,
        charttime: ts(minute(at + rng.int(-30, 30) * MINUTE)),
        medication: name,
        event_txt: given,
        scheduletime: ts(minute(at)),
        storetime: ts(minute(at + rng.int(0, 40) * MINUTE)),
      });
      out.add("emar_detail", {
        subject_id: p.subjectId,
        emar_id: emarId,
        emar_seq: emarSeq,
        parent_field_ordinal: "1.1",
        administration_type: "Standard Administration",
        pharmacy_id: pharmacyId,
        dose_due: d.dose,
        dose_due_unit: d.unit,
        dose_given: given === "Administered" ? d.dose : null,
        dose_given_unit: given === "Administered" ? d.unit : null,
        product_code: name.slice(0, 6).toUpperCase().replace(/\W/g, ""),
        product_description: d.strength,
        route: d.route,
      });
    }
  }
}

function microbiology(p: Person, hadmId: number, at: number, testKey: string, rng: Random, ids: Ids, out: Sink): void {
  const test = MICRO_TESTS[testKey];
  if (!test) return;
  const specimen = ids.next("microSpecimen");
  const charttime = minute(at);
  const base = {
    subject_id: p.subjectId,
    hadm_id: hadmId,
    micro_specimen_id: specimen,
    order_provider_id: p.provider,
    chartdate: `${date(charttime)} 00:00:00`,
    charttime: rng.chance(0.97) ? ts(charttime) : null,
    spec_itemid: test.specItemid,
    spec_type_desc: testKey,
    test_seq: 1,
    storedate: `${date(charttime + 2 * DAY)} 00:00:00`,
    storetime: ts(minute(charttime + 2 * DAY + rng.int(0, 600) * MINUTE)),
    test_itemid: test.testItemid,
    test_name: test.testName,
  };
  if (!rng.chance(test.positive)) {
    out.add("microbiologyevents", {
      ...base,
      microevent_id: ids.next("microevent"),
      comments: testKey === "MRSA SCREEN" ? "No MRSA isolated." : "NO GROWTH.",
    });
    return;
  }
  const organism = rng.pick(ORGANISMS);
  for (const ab of rng.sample(ANTIBIOTICS, rng.int(3, 6))) {
    const interpretation = rng.weighted([
      ["S", 75],
      ["R", 20],
      ["I", 5],
    ] as const);
    const value = interpretation === "S" ? rng.pick([0.25, 0.5, 1, 2]) : rng.pick([16, 32, 64]);
    out.add("microbiologyevents", {
      ...base,
      microevent_id: ids.next("microevent"),
      org_itemid: organism.itemid,
      org_name: organism.name,
      isolate_num: 1,
      quantity: null,
      ab_itemid: ab.itemid,
      ab_name: ab.name,
      dilution_text: `${interpretation === "S" ? "<=" : "=>"}${value}`,
      dilution_comparison: interpretation === "S" ? "<=" : "=>",
      dilution_value: value,
      interpretation,
      comments: null,
    });
  }
}

function radiology(
  p: Person,
  hadmId: number,
  at: number,
  exam: string,
  indication: string,
  rng: Random,
  out: Sink,
): void {
  const spec = RADIOLOGY_EXAMS[exam];
  if (!spec) return;
  const seq = ++p.noteSeq.rr;
  const noteId = `${p.subjectId}-RR-${seq}`;
  const i = rng.int(0, spec.findings.length - 1);
  const text = `EXAMINATION:  ${exam}\n\nINDICATION:  ___ with ${indication.toLowerCase()}, evaluate.\n\nTECHNIQUE:  Standard protocol.\n\nCOMPARISON:  None.\n\nFINDINGS: \n\n${spec.findings[i]}\n\nIMPRESSION: \n\n${spec.impression[Math.min(i, spec.impression.length - 1)]}\n`;
  out.add("radiology", {
    note_id: noteId,
    subject_id: p.subjectId,
    hadm_id: hadmId,
    note_type: "RR",
    note_seq: seq,
    charttime: ts(at),
    storetime: ts(minute(at + rng.int(20, 300) * MINUTE)),
    text,
  });
  out.add("radiology_detail", {
    note_id: noteId,
    subject_id: p.subjectId,
    field_name: "exam_code",
    field_value: spec.code,
    field_ordinal: 1,
  });
  out.add("radiology_detail", {
    note_id: noteId,
    subject_id: p.subjectId,
    field_name: "exam_name",
    field_value: exam,
    field_ordinal: 1,
  });
  out.add("radiology_detail", {
    note_id: noteId,
    subject_id: p.subjectId,
    field_name: "cpt_code",
    field_value: spec.cpt,
    field_ordinal: 1,
  });
}

function dischargeNote(
  p: Person,
  stay: Stay,
  complaint: string | null,
  codes: readonly Code[],
  rng: Random,
  out: Sink,
): void {
  const seq = ++p.noteSeq.ds;
  const noteId = `${p.subjectId}-DS-${seq}`;
  const s = stay.scenario;
  const title = (c: Code) => (stay.icd9 ? c.title9 : c.title10);
  const meds = s.drugs
    .filter((d) => DRUGS[d]?.route.startsWith("PO"))
    .map(
      (d, i) =>
        `${i + 1}. ${d} ${DRUGS[d]!.strength} ${DRUGS[d]!.route} ${DRUGS[d]!.dosesPerDay === 1 ? "DAILY" : `${DRUGS[d]!.dosesPerDay} times daily`}`,
    );
  const text = [
    ` \nName:  ___                     Unit No:   ___\n \nAdmission Date:  ___              Discharge Date:   ___\n \nDate of Birth:  ___             Sex:   ${p.gender}\n \nService: ${serviceName(s.service)}\n \nAllergies: \n${rng.chance(0.7) ? "No Known Allergies / Adverse Drug Reactions" : "Penicillins"}\n \nAttending: ___.\n `,
    `Chief Complaint:\n${complaint ?? `elective ${s.name}`}\n `,
    `Major Surgical or Invasive Procedure:\n${s.procedures.length ? s.procedures.map(title).join("\n") : "None"}\n`,
    `History of Present Illness:\nMs./Mr. ___ is a ___ year old with ${p.comorbidities.length ? p.comorbidities.join(", ") : "no significant history"} who presents with ${(complaint ?? "a planned procedure").toLowerCase()}.\n `,
    `Past Medical History:\n${p.comorbidities.map((c) => `- ${title(COMORBIDITIES[c]!.code)}`).join("\n") || "None"}\n `,
    `Brief Hospital Course:\n___ was admitted for ${s.name}. ${stay.severity > 0.6 ? "The course was complicated and required close monitoring." : "The course was uncomplicated."}${stay.died ? " Despite maximal therapy the patient expired." : ""}\n `,
    `Discharge Medications:\n${meds.join("\n") || "None"}\n `,
    `Discharge Disposition:\n${stay.died ? "Expired" : rng.pick(["Home", "Home With Service", "Extended Care"])}\n `,
    `Discharge Diagnosis:\n${codes.slice(0, 3).map(title).join("\n")}\n `,
    `Discharge Condition:\nMental Status: Clear and coherent.\nLevel of Consciousness: Alert and interactive.\n `,
    `Followup Instructions:\n___\n`,
  ].join("\n");
  out.add("discharge", {
    note_id: noteId,
    subject_id: p.subjectId,
    hadm_id: stay.hadmId,
    note_type: "DS",
    note_seq: seq,
    charttime: `${date(stay.disch)} 00:00:00`,
    storetime: ts(minute(stay.disch + rng.uniform(1, 40) * HOUR)),
    text,
  });
  out.add("discharge_detail", {
    note_id: noteId,
    subject_id: p.subjectId,
    field_name: "author",
    field_value: "___",
    field_ordinal: 1,
  });
}

function serviceName(code: string): string {
  return (
    {
      MED: "MEDICINE",
      CMED: "CARDIOLOGY",
      NMED: "NEUROLOGY",
      ORTHO: "ORTHOPAEDICS",
      CSURG: "CARDIOTHORACIC",
      SURG: "SURGERY",
    }[code] ?? code
  );
}

function icuStay(
  p: Person,
  hadmId: number,
  start: number,
  end: number,
  scenario: Scenario,
  severity: number,
  first: boolean,
  rng: Random,
  ids: Ids,
  out: Sink,
): void {
  const stayId = ids.next("icuStay");
  out.add("icustays", {
    subject_id: p.subjectId,
    hadm_id: hadmId,
    stay_id: stayId,
    first_careunit: scenario.icuUnit,
    last_careunit: scenario.icuUnit,
    intime: ts(start),
    outtime: ts(end),
    los: round((end - start) / DAY, 6),
  });
  const caregiver = rng.int(1000, 99999);
  const ventilated = scenario.icuDrips.includes("propofol") && rng.chance(0.7);
  const chartRow = (item: IcuItem, at: number, value: number | string) => {
    const numeric = typeof value === "number";
    out.add("chartevents", {
      subject_id: p.subjectId,
      hadm_id: hadmId,
      stay_id: stayId,
      caregiver_id: caregiver,
      charttime: ts(at),
      storetime: ts(minute(at + rng.int(1, 30) * MINUTE)),
      itemid: item.itemid,
      value: String(value),
      valuenum: numeric ? value : null,
      valueuom: numeric ? item.unit || null : null,
      warning: numeric ? (item.high !== undefined && (value as number) > item.high * 1.2 ? 1 : 0) : null,
    });
  };
  if (first)
    for (const item of CHART_ITEMS.admission) chartRow(item, minute(start + 20 * MINUTE), round(p.weightKg, 1));
  const sick = 0.4 + severity;
  for (let at = minute(start + rng.int(5, 50) * MINUTE), h = 0; at < end; at += HOUR, h++) {
    for (const item of CHART_ITEMS.hourly) {
      const drift = item.itemid === 220045 ? 15 * sick : item.itemid === 220179 ? -12 * sick : 0;
      chartRow(item, at, Math.round(rng.normal(item.mean! + drift, item.sd! * 0.8)));
    }
    if (ventilated)
      for (const item of CHART_ITEMS.ventilated) chartRow(item, at, Math.round(rng.normal(item.mean!, item.sd!)));
    if (h % 4 === 0) {
      for (const item of CHART_ITEMS.q4h) {
        if (item.values) chartRow(item, at, rng.pick(item.values));
        else chartRow(item, at, round(rng.normal(item.mean!, item.sd!), item.decimals ?? 0));
      }
    }
  }
  // Infusions and boluses, each with its ingredients.
  let order = 0;
  for (const key of scenario.icuDrips) {
    const inf = INFUSIONS[key];
    if (!inf) continue;
    const continuous = inf.rate > 0;
    const step = continuous ? rng.uniform(4, 10) * HOUR : rng.uniform(8, 24) * HOUR;
    const orderId = ids.next("order");
    for (let at = minute(start + rng.uniform(0.2, 3) * HOUR); at < end; at += step) {
      const stop = minute(Math.min(end, at + (continuous ? step : 30 * MINUTE)));
      const amount = continuous
        ? round(((inf.rate * (stop - at)) / HOUR) * (inf.amountUnit === "mL" ? 1 : inf.amount / 100), 4)
        : inf.amount;
      order++;
      out.add("inputevents", {
        subject_id: p.subjectId,
        hadm_id: hadmId,
        stay_id: stayId,
        caregiver_id: caregiver,
        starttime: ts(at),
        endtime: ts(stop),
        storetime: ts(minute(stop + 5 * MINUTE)),
        itemid: inf.item.itemid,
        amount,
        amountuom: inf.amountUnit,
        rate: continuous ? round(inf.rate * rng.uniform(0.6, 1.4), 3) : null,
        rateuom: continuous ? inf.rateUnit : null,
        orderid: orderId * 100 + order,
        linkorderid: orderId * 100 + 1,
        ordercategoryname: inf.category,
        secondaryordercategoryname: continuous ? "Additive (Thrombolytic)" : null,
        ordercomponenttypedescription: "Main order parameter",
        ordercategorydescription: continuous ? "Continuous Med" : "Drug Push",
        patientweight: p.weightKg,
        totalamount: continuous ? 250 : null,
        totalamountuom: continuous ? "mL" : null,
        isopenbag: 0,
        continueinnextdept: 0,
        statusdescription: stop >= end ? "Paused" : "FinishedRunning",
        originalamount: amount,
        originalrate: continuous ? inf.rate : amount,
      });
      for (const [itemid, factor] of inf.ingredients) {
        out.add("ingredientevents", {
          subject_id: p.subjectId,
          hadm_id: hadmId,
          stay_id: stayId,
          caregiver_id: caregiver,
          starttime: ts(at),
          endtime: ts(stop),
          storetime: ts(minute(stop + 5 * MINUTE)),
          itemid,
          amount: round(amount * factor, 4),
          amountuom: itemid === 226221 ? "kcal" : itemid === 227074 ? "mEq" : "mL",
          rate: null,
          rateuom: null,
          orderid: orderId * 100 + order,
          linkorderid: orderId * 100 + 1,
          statusdescription: "FinishedRunning",
          originalamount: 0,
          originalrate: 0,
        });
      }
    }
  }
  if (rng.chance(0.6)) {
    for (let at = minute(start + 2 * HOUR); at < end; at += 6 * HOUR) {
      out.add("inputevents", {
        subject_id: p.subjectId,
        hadm_id: hadmId,
        stay_id: stayId,
        caregiver_id: caregiver,
        starttime: ts(at),
        endtime: ts(at + MINUTE),
        storetime: ts(at + 10 * MINUTE),
        itemid: INFUSIONS.poIntake!.item.itemid,
        amount: rng.pick([120, 240, 360]),
        amountuom: "mL",
        rate: null,
        rateuom: null,
        orderid: ids.next("order") * 100,
        linkorderid: null,
        ordercategoryname: INFUSIONS.poIntake!.category,
        secondaryordercategoryname: null,
        ordercomponenttypedescription: "Main order parameter",
        ordercategorydescription: "Bolus",
        patientweight: p.weightKg,
        totalamount: null,
        totalamountuom: null,
        isopenbag: 0,
        continueinnextdept: 0,
        statusdescription: "FinishedRunning",
        originalamount: 240,
        originalrate: 240,
      });
    }
  }
  // Outputs: urine hourly (Foley), drains after surgery.
  const outputs = [
    OUTPUT_ITEMS[0]!,
    ...(scenario.service === "CSURG" ? [OUTPUT_ITEMS[2]!] : scenario.service === "SURG" ? [OUTPUT_ITEMS[3]!] : []),
  ];
  for (let at = minute(start + 30 * MINUTE); at < end; at += HOUR) {
    for (const item of outputs) {
      out.add("outputevents", {
        subject_id: p.subjectId,
        hadm_id: hadmId,
        stay_id: stayId,
        caregiver_id: caregiver,
        charttime: ts(at),
        storetime: ts(at + 10 * MINUTE),
        itemid: item.itemid,
        value: Math.max(0, Math.round(rng.normal(item.mean! * (1.3 - severity * 0.6), item.sd!))),
        valueuom: "mL",
      });
    }
  }
  // Procedures: lines, ventilation, imaging; line insertions are also charted as datetime events.
  const procedures = [
    "peripheral",
    "chestXray",
    "ekg",
    "foley",
    ...(severity > 0.4 || scenario.icuDrips.includes("norepinephrine") ? ["arterial", "central"] : []),
    ...(ventilated ? ["ventilation"] : rng.chance(0.1) ? ["niv"] : []),
    ...(scenario.name === "acute kidney injury" ? ["dialysis"] : []),
  ];
  for (const key of procedures) {
    const proc = ICU_PROCEDURES[key]!;
    const at = minute(start + rng.uniform(0.1, 4) * HOUR);
    const stop = minute(Math.min(end, at + Math.max(MINUTE, proc.hours * HOUR)));
    const value = proc.unit === "min" ? Math.round((stop - at) / MINUTE) : 1;
    out.add("procedureevents", {
      subject_id: p.subjectId,
      hadm_id: hadmId,
      stay_id: stayId,
      caregiver_id: caregiver,
      starttime: ts(at),
      endtime: ts(stop),
      storetime: ts(stop),
      itemid: proc.item.itemid,
      value,
      valueuom: proc.unit,
      location: proc.location || null,
      locationcategory: proc.locationCategory || null,
      orderid: ids.next("order"),
      linkorderid: null,
      ordercategoryname: proc.item.category,
      ordercategorydescription: proc.hours ? "Task" : "Electrolytes",
      patientweight: p.weightKg,
      isopenbag: 0,
      continueinnextdept: 0,
      statusdescription: "FinishedRunning",
      originalamount: value,
      originalrate: 0,
    });
    if (proc.dateItem) {
      out.add("datetimeevents", {
        subject_id: p.subjectId,
        hadm_id: hadmId,
        stay_id: stayId,
        caregiver_id: caregiver,
        charttime: ts(minute(at + rng.int(10, 120) * MINUTE)),
        storetime: ts(minute(at + 2 * HOUR)),
        itemid: proc.dateItem.itemid,
        value: `${date(at)} 00:00:00`,
        valueuom: "Date",
        warning: 0,
      });
    }
  }
  for (let at = minute(start + 8 * HOUR); at < end; at += DAY) {
    out.add("datetimeevents", {
      subject_id: p.subjectId,
      hadm_id: hadmId,
      stay_id: stayId,
      caregiver_id: caregiver,
      charttime: ts(at),
      storetime: ts(at + 15 * MINUTE),
      itemid: EXTRA_DATE_ITEMS[0]!.itemid,
      value: ts(minute(at - rng.int(30, 300) * MINUTE)),
      valueuom: "Date and Time",
      warning: 0,
    });
  }
}

/** A stable small hash of a string, for derived codes (GSN, ETC, DRG) that must not depend on run order. */
export function hash(text: string): number {
  let h = 2166136261;
  for (let i = 0; i < text.length; i++) h = Math.imul(h ^ text.charCodeAt(i), 16777619);
  return h >>> 0;
}
