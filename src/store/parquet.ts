import { literal, Store } from "./database.js";
import { restrictTree } from "./owner-only.js";

/**
 * Converts newline-delimited JSON into Parquet with the given DuckDB column types (nested structs
 * and lists included), so engines that read Parquet get exactly the physical schema they expect.
 */
export async function jsonlToParquet(
  jsonl: string,
  parquet: string,
  columns: Readonly<Record<string, string>>,
): Promise<void> {
  const store = await Store.open(":memory:");
  try {
    const spec = Object.entries(columns)
      .map(([name, type]) => `${literal(name)}: ${literal(type)}`)
      .join(", ");
    await store.exec(
      `COPY (SELECT * FROM read_json(${literal(jsonl)}, format = 'newline_delimited', columns = {${spec}})) TO ${literal(parquet)} (FORMAT parquet)`,
    );
    restrictTree(parquet);
  } finally {
    store.close();
  }
}
