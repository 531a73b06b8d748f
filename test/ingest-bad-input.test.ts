import { existsSync, mkdirSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { gzipSync } from "node:zlib";
import { beforeEach, describe, expect, it } from "vitest";
import { InputError } from "../src/errors.js";
import { ingestMimic } from "../src/sources/mimic-iv/ingest.js";
import { Store } from "../src/store/database.js";
import { tempDir } from "./helpers/data.js";

const PATIENTS =
  "subject_id,gender,anchor_age,anchor_year,anchor_year_group,dod\n1,F,52,2180,2014 - 2016,\n2,M,70,2150,2008 - 2010,2151-03-04\n";
const ADMISSIONS =
  "subject_id,hadm_id,admittime,dischtime,deathtime,admission_type,admit_provider_id,admission_location,discharge_location,insurance,language,marital_status,race,edregtime,edouttime,hospital_expire_flag\n" +
  "1,100,2180-06-26 18:27:00,2180-06-27 18:49:00,,EW EMER.,P1,EMERGENCY ROOM,HOME,Other,ENGLISH,WIDOWED,WHITE,2180-06-26 15:54:00,2180-06-26 21:31:00,0\n" +
  "2,200,2151-03-01 10:00:00,2151-03-04 12:00:00,2151-03-04 12:00:00,URGENT,P2,TRANSFER FROM HOSPITAL,DIED,Medicare,ENGLISH,MARRIED,BLACK,,,1\n";
const LAB_HEADER =
  "labevent_id,subject_id,hadm_id,specimen_id,itemid,order_provider_id,charttime,storetime,value,valuenum,valueuom,ref_range_lower,ref_range_upper,flag,priority,comments\n";
const LAB_OK = "1,1,100,10,50983,,2180-06-27 05:10:00,2180-06-27 06:00:00,136,136,mEq/L,133,145,,ROUTINE,\n";

describe("ingest of bad input", () => {
  const dir = tempDir();
  const root = join(dir, "mimic");
  const db = join(dir, "store.duckdb");

  function write(rel: string, text: string, gzip = rel.endsWith(".gz")): void {
    const path = join(root, rel);
    mkdirSync(join(path, ".."), { recursive: true });
    writeFileSync(path, gzip ? gzipSync(text) : text);
  }

  /** Everything observable about the store: tables, their rows, and its metadata. */
  async function snapshot(): Promise<string> {
    const store = await Store.open(db, { readOnly: true });
    try {
      const tables = await store.rows<{ s: string; n: string }>(
        "SELECT table_schema AS s, table_name AS n FROM information_schema.tables WHERE table_schema NOT IN ('information_schema','pg_catalog') ORDER BY 1, 2",
      );
      const parts: string[] = [];
      for (const t of tables)
        parts.push(
          `${t.s}.${t.n}=${JSON.stringify((await store.rowsJson(`SELECT * FROM "${t.s}"."${t.n}" ORDER BY ALL`)).rows)}`,
        );
      return parts.join("\n");
    } finally {
      store.close();
    }
  }

  beforeEach(async () => {
    rmSync(root, { recursive: true, force: true });
    rmSync(db, { force: true });
    write("hosp/patients.csv", PATIENTS);
    write("hosp/admissions.csv.gz", ADMISSIONS);
    write("hosp/labevents.csv.gz", LAB_HEADER + LAB_OK);
    await ingestMimic([root], db, {});
  });

  async function expectFailure(message: RegExp, options = {}): Promise<void> {
    const before = await snapshot();
    const error = await ingestMimic([root], db, options).then(
      () => null,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(Error);
    expect((error as Error).message).toMatch(message);
    expect(await snapshot()).toBe(before);
  }

  it("names a missing required table and the folder searched", async () => {
    rmSync(join(root, "hosp", "admissions.csv.gz"));
    await expectFailure(
      new RegExp(
        `${join(root, "hosp").replaceAll("/", "\\/")}: required table hosp.admissions not found \\(looked for admissions.csv.gz and admissions.csv\\)`,
      ),
    );
  });

  it("refuses a store file named after one of its schemas (DuckDB would confuse the catalog and the schema)", async () => {
    await expect(ingestMimic([root], join(dir, "hosp.duckdb"))).rejects.toThrow(
      /hosp\.duckdb: a store may not be named after one of its schemas/,
    );
    expect(existsSync(join(dir, "hosp.duckdb"))).toBe(false);
  });

  it("names a folder with no MIMIC-IV modules", async () => {
    const error = await ingestMimic([dir + "/nowhere"], db).catch((e: unknown) => e);
    expect((error as Error).message).toMatch(/nowhere: not a folder/);
  });

  it("reports file, line, column and value of an unparsable timestamp, leaving the store unchanged", async () => {
    write("hosp/labevents.csv.gz", LAB_HEADER + LAB_OK + LAB_OK.replace("2180-06-27 05:10:00", "2180-13-45 99:00"));
    await expectFailure(/labevents\.csv\.gz:3: column "charttime": .*"2180-13-45 99:00".*TIMESTAMP.*row: 1,1,100/);
  });

  it("reports an unparsable number", async () => {
    write("hosp/labevents.csv.gz", LAB_HEADER + LAB_OK + LAB_OK.replace(",136,mEq/L", ",high,mEq/L"));
    await expectFailure(/labevents\.csv\.gz:3: column "valuenum": .*"high".*DOUBLE/);
  });

  it("reports a row with the wrong number of columns", async () => {
    write("hosp/patients.csv", PATIENTS + "3,F,40\n");
    await expectFailure(/patients\.csv:4: column "anchor_year": Expected Number of Columns: 6 Found: 3/);
    write("hosp/patients.csv", PATIENTS + "3,F,40,2100,2008 - 2010,,extra\n");
    await expectFailure(/patients\.csv:4: Expected Number of Columns: 6 Found: 7/);
  });

  it("with --max-errors keeps bad rows in meta.rejects and counts them", async () => {
    write(
      "hosp/labevents.csv.gz",
      LAB_HEADER + LAB_OK + LAB_OK.replace(",136,mEq/L", ",high,mEq/L") + LAB_OK.replace("50983", "x") + LAB_OK,
    );
    await expectFailure(/2 bad rows in all; --max-errors 1/, { maxErrors: 1 });
    const summary = await ingestMimic([root], db, { maxErrors: 2 });
    expect(summary.rejectedRows).toBe(2);
    expect(summary.tables.find((t) => t.table === "hosp.labevents")).toMatchObject({ rows: 2, rejected: 2 });
    const store = await Store.open(db, { readOnly: true });
    try {
      expect(
        await store.rows("SELECT table_name, line, column_name, error_type FROM meta.rejects ORDER BY line"),
      ).toEqual([
        { table_name: "hosp.labevents", line: 3n, column_name: "valuenum", error_type: "CAST" },
        { table_name: "hosp.labevents", line: 4n, column_name: "itemid", error_type: "CAST" },
      ]);
      expect(await store.value("SELECT rejected_rows FROM meta.loads WHERE table_name = 'hosp.labevents'")).toBe(2n);
    } finally {
      store.close();
    }
  });

  it("detects a truncated gzip file even when the cut falls on a line boundary", async () => {
    const rows = Array.from({ length: 3000 }, (_, i) => LAB_OK.replace(/^1,/, `${i + 1},`)).join("");
    const full = gzipSync(LAB_HEADER + rows);
    writeFileSync(join(root, "hosp", "labevents.csv.gz"), full.subarray(0, Math.floor(full.length * 0.6)));
    await expectFailure(/labevents\.csv\.gz: the gzip stream is truncated/);
  });

  it("detects a file named .gz that is not gzip", async () => {
    write("hosp/labevents.csv.gz", LAB_HEADER + LAB_OK, false);
    await expectFailure(/labevents\.csv\.gz: not a gzip file/);
  });

  it("checks files against the download's SHA256SUMS.txt, naming the file, and loads it anyway with --no-sha256sums", async () => {
    const { createHash } = await import("node:crypto");
    const { readFileSync } = await import("node:fs");
    write("hosp/labevents.csv.gz", LAB_HEADER + LAB_OK + LAB_OK.replace(/^1,/, "2,"));
    const sha = (rel: string) =>
      createHash("sha256")
        .update(readFileSync(join(root, rel)))
        .digest("hex");
    // A right sum for patients, a wrong one for labevents (as after a damaged copy).
    writeFileSync(
      join(root, "SHA256SUMS.txt"),
      `${sha("hosp/patients.csv")} hosp/patients.csv\n${"0".repeat(64)}  hosp/labevents.csv.gz\n`,
    );
    await expectFailure(
      new RegExp(
        `labevents\\.csv\\.gz: SHA-256 ${sha("hosp/labevents.csv.gz")} does not match 0{64} in .*SHA256SUMS\\.txt: the file is damaged or was changed after download`,
      ),
    );
    const summary = await ingestMimic([root], db, { sha256sums: false });
    expect(summary.tables.find((t) => t.table === "hosp.labevents")).toMatchObject({ status: "loaded", rows: 2 });
    writeFileSync(join(root, "SHA256SUMS.txt"), `${sha("hosp/labevents.csv.gz")} hosp/labevents.csv.gz\n`);
    expect(
      (await ingestMimic([root], db, { force: true })).tables.find((t) => t.table === "hosp.labevents")?.rows,
    ).toBe(2);
  });

  it("reports an unreadable file", async () => {
    rmSync(join(root, "hosp", "labevents.csv.gz"));
    mkdirSync(join(root, "hosp", "labevents.csv.gz"));
    await expectFailure(/labevents\.csv\.gz: cannot read/);
  });

  it("reports a missing required column", async () => {
    write("hosp/labevents.csv.gz", LAB_HEADER.replace("charttime,", "chart_time,") + LAB_OK);
    await expectFailure(/labevents\.csv\.gz:1: missing required column\(s\) charttime for hosp\.labevents/);
  });

  it("leaves no database file behind when the first ingest fails", async () => {
    const fresh = join(dir, "fresh.duckdb");
    write("hosp/patients.csv", PATIENTS + "oops,F,1,2100,x,\n");
    const error = await ingestMimic([root], fresh).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(InputError);
    expect(existsSync(fresh)).toBe(false);
  });

  it.skipIf(process.platform !== "linux")(
    "reports a full disk and leaves the store unchanged (a file-size limit makes the writes fail)",
    async () => {
      const before = await snapshot();
      // ~4 MB of new lab rows: far more than the 64 KiB the limit leaves above the current file.
      write(
        "hosp/labevents.csv.gz",
        LAB_HEADER + Array.from({ length: 40_000 }, (_, i) => LAB_OK.replace(/^1,/, `${i + 1},`)).join(""),
      );
      const { spawnSync } = await import("node:child_process");
      const { statSync } = await import("node:fs");
      const blocks = Math.ceil(statSync(db).size / 1024) + 64;
      const cli = join(import.meta.dirname, "..", "bin", "ehr-r1.js");
      // SIGXFSZ ignored: a write past the limit fails with EFBIG, as one on a full disk fails with ENOSPC.
      const run = spawnSync(
        "bash",
        ["-c", `trap '' XFSZ; ulimit -f ${blocks}; exec "${process.execPath}" "${cli}" ingest "${root}" --db "${db}"`],
        { encoding: "utf8" },
      );
      expect(run.status).toBe(1);
      expect(run.stderr).toMatch(
        /disk full while loading .*labevents\.csv\.gz: .*(File too large|No space left).* — the database was left as it was before the command/,
      );
      expect(run.stderr).not.toMatch(/\n\s+at /);
      expect(await snapshot()).toBe(before);
      // With room again, the same ingest completes on the same file.
      const summary = await ingestMimic([root], db, {});
      expect(summary.tables.find((t) => t.table === "hosp.labevents")).toMatchObject({
        status: "loaded",
        rows: 40_000,
      });
    },
  );

  it("removes staging tables a killed ingest left behind, and keeps the live tables", async () => {
    const before = await snapshot();
    const store = await Store.open(db);
    try {
      await store.exec(
        'CREATE TABLE hosp."__ehr_r1_load_labevents" AS SELECT 1 AS x; CREATE TABLE meta."__ehr_r1_load_rejects_hosp_labevents" AS SELECT 1 AS x',
      );
    } finally {
      store.close();
    }
    expect(await snapshot()).not.toBe(before);
    const summary = await ingestMimic([root], db, {});
    expect(summary.tables.every((t) => t.status === "unchanged")).toBe(true);
    expect(await snapshot()).toBe(before);
  });
});
