import { UsageError } from "../errors.js";
import type { EhrEvent } from "../timeline/read.js";
import { renderEvent, type RenderFormat } from "./markdown.js";
import type { TokenCounter } from "./tokenizer.js";

/** Coordinates of one sample in a trajectory, as in the reference's task index rows (docs/reference.md#sample-assembly). */
export interface SampleWindow {
  /** First context event (inclusive). Default 0. */
  begin?: number;
  /** End of the context (exclusive). Default: the last event's index (the reference's default, which leaves it out). */
  end?: number;
  /** Leave the admission record out (a task whose answer is the admission's own fields). */
  hideAdmission?: boolean;
  /** Index of the current admission's `admissions` event, rendered before the context (unless `hideAdmission`). */
  admissionsId?: number | null;
  /** Index of the previous admission's discharge note. */
  lastDischargeId?: number | null;
  /** Event types the task hides from the context (its `bid_event` list). */
  excludedEvents?: readonly string[];
}

/** The parts of a model input, each already rendered; `join`ed they are the input text. */
export interface InputParts {
  demographics: string;
  lastDischarge: string;
  admission: string;
  /** Indexes of the context events kept, and their rendered text. */
  context: { index: number; text: string }[];
}

function eventAt(trajectory: readonly EhrEvent[], index: number, what: string): EhrEvent {
  const event = trajectory[index];
  if (!event) throw new UsageError(`${what} ${index} is outside the trajectory (0..${trajectory.length - 1})`);
  return event;
}

/** What joins the parts of an input (the reference's `"\n\n".join`). */
export const JOIN = "\n\n";

/**
 * Each event's text rendered once per patient and reused by every sample whose window contains it,
 * so a build costs events plus output bytes, not samples × context length. Keyed by event index.
 */
export class RenderedTrajectory {
  private readonly texts = new Map<number, string>();
  private readonly tokens = new Map<number, number>();
  private countedBy: string | null = null;
  constructor(
    readonly trajectory: readonly EhrEvent[],
    readonly format: RenderFormat = "ehr-r1",
  ) {}
  text(index: number): string {
    let text = this.texts.get(index);
    if (text === undefined) this.texts.set(index, (text = renderEvent(this.trajectory[index]!, this.format)));
    return text;
  }
  /** The budgeter's `eventTokens`: each event's count taken once per patient (for one counter). */
  eventTokens(counter: TokenCounter): (event: { index: number; text: string }) => number {
    if (this.countedBy !== counter.name) {
      this.tokens.clear();
      this.countedBy = counter.name;
    }
    return ({ index, text }) => {
      let n = this.tokens.get(index);
      if (n === undefined) this.tokens.set(index, (n = counter.count(text + JOIN)));
      return n;
    };
  }
}

export function inputParts(
  trajectory: readonly EhrEvent[],
  window: SampleWindow = {},
  format: RenderFormat = "ehr-r1",
  rendered?: RenderedTrajectory,
): InputParts {
  // A cache made for another format would give the wrong text.
  const cache = rendered && rendered.trajectory === trajectory && rendered.format === format ? rendered : null;
  const render = (i: number) => (cache ? cache.text(i) : renderEvent(trajectory[i]!, format));
  // The admission and discharge note are named by index: one outside the trajectory is an error, not "".
  const renderNamed = (i: number, what: string) => {
    eventAt(trajectory, i, what);
    return render(i);
  };
  if (!trajectory.length) throw new UsageError("empty trajectory");
  const begin = window.begin ?? 0;
  const end = window.end ?? trajectory.length - 1;
  if (begin < 0 || end > trajectory.length || begin > end)
    throw new UsageError(`context [${begin}, ${end}) is outside the trajectory (${trajectory.length} events)`);
  const excluded = new Set(window.excludedEvents ?? []);
  const context: InputParts["context"] = [];
  for (let i = begin; i < end; i++) {
    const event = trajectory[i]!;
    // The admission record is shown on its own, never as a context event (docs/reference.md#sample-assembly).
    if (excluded.has(event.file_name) || event.file_name === "admissions") continue;
    context.push({ index: i, text: render(i) });
  }
  const admissionsId = window.admissionsId ?? null;
  const lastDischargeId = window.lastDischargeId ?? null;
  return {
    demographics: render(0),
    lastDischarge: lastDischargeId === null ? "" : renderNamed(lastDischargeId, "last_discharge_id"),
    admission: admissionsId === null || window.hideAdmission ? "" : renderNamed(admissionsId, "admissions_id"),
    context,
  };
}

/** The input text: the reference joins every part with a blank line, empty parts included; `clean` drops them. */
export function joinInput(parts: InputParts, format: RenderFormat = "ehr-r1"): string {
  const texts = [parts.demographics, parts.lastDischarge, parts.admission, ...parts.context.map((c) => c.text)];
  return (format === "clean" ? texts.filter((t) => t.trim() !== "") : texts).join(JOIN);
}

export function renderInput(
  trajectory: readonly EhrEvent[],
  window: SampleWindow = {},
  format: RenderFormat = "ehr-r1",
): string {
  return joinInput(inputParts(trajectory, window, format), format);
}
