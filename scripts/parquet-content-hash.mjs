#!/usr/bin/env node
// SHA-256 of a Parquet file's schema and rows (in file order, as JSON): two writers of the same
// table compare equal although their bytes (row groups, encodings) may differ.
//
//   node scripts/parquet-content-hash.mjs <file.parquet>
import { createHash } from "node:crypto";
import { DuckDBInstance } from "@duckdb/node-api";

const file = process.argv[2];
const db = await (await DuckDBInstance.create(":memory:")).connect();
const quoted = `'${file.replaceAll("'", "''")}'`;
const hash = createHash("sha256");
const schema = await db.runAndReadAll(`DESCRIBE SELECT * FROM ${quoted}`);
hash.update(JSON.stringify(schema.getRowObjectsJson()));
const rows = await db.stream(`SELECT to_json(t)::VARCHAR AS j FROM ${quoted} AS t`);
for await (const chunk of rows.yieldRowObjectJson()) for (const r of chunk) hash.update(`${r.j}\n`);
console.log(hash.digest("hex"));
