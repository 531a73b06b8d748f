/** Where commands write: injectable so tests can run the CLI in-process and read what it printed. */
export interface Output {
  out: (text: string) => void;
  err: (text: string) => void;
  /** True when stderr is a terminal: progress lines are drawn only then. */
  interactive: boolean;
}

export const processOutput: Output = {
  out: (text) => process.stdout.write(text),
  err: (text) => process.stderr.write(text),
  interactive: Boolean(process.stderr.isTTY),
};

/** A plain aligned text table, for people; `--json` gives machines the same data. */
export function formatTable(columns: readonly string[], rows: readonly Record<string, unknown>[]): string {
  const cell = (v: unknown) =>
    v === null || v === undefined ? "NULL" : typeof v === "object" ? JSON.stringify(v) : String(v);
  const body = rows.map((r) => columns.map((c) => cell(r[c]).replace(/\n/g, "\\n")));
  const widths = columns.map((c, i) => Math.max(c.length, ...body.map((r) => r[i]!.length)));
  const line = (cells: readonly string[]) =>
    cells
      .map((c, i) => c.padEnd(widths[i]!))
      .join("  ")
      .trimEnd();
  return [line(columns), line(widths.map((w) => "-".repeat(w))), ...body.map(line)].join("\n") + "\n";
}

export function formatNumber(n: number): string {
  return n.toLocaleString("en-US");
}
