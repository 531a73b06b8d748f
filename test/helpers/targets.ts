/**
 * The task index's stored target (a `VARCHAR[]` literal) for a dataset's `task_info.target` JSON
 * text (`["a","b"]` or `"yes"`), so tests find a record's index row by its label.
 */
export function storedTarget(json: string): string {
  const value = JSON.parse(json) as string | string[];
  const list = Array.isArray(value) ? value : [value];
  return `[${list.map((x) => `'${x.replace(/'/g, "''")}'`).join(", ")}]::VARCHAR[]`;
}
