import type { Command } from "commander";
import { storeOptions } from "../store-options.js";
import { UsageError } from "../../errors.js";
import { fitToBudget, type BudgetPolicy } from "../../render/budget.js";
import { inputParts, joinInput } from "../../render/sample.js";
import { tokenCounterFor } from "../../render/tokenizer.js";
import { Store } from "../../store/database.js";
import { readTrajectory } from "../../timeline/read.js";
import { selectWindow } from "../../timeline/select.js";
import { choiceOption, parseWholeNumber } from "../arguments.js";
import type { Output } from "../output.js";

interface ShowFlags {
  db: string;
  hadm?: number;
  from?: string;
  until?: string;
  maxTokens?: number;
  tokenizer?: string;
  budgetPolicy: string;
  format: string;
  chat?: boolean;
}

export function registerShow(program: Command, output: Output): void {
  program
    .command("show")
    .description("print a patient's record the way a model sees it (EHR-R1 markdown)")
    .argument("<subject_id>", "the patient", parseWholeNumber)
    .requiredOption("--db <file>", "DuckDB store with timelines")
    .option(
      "--hadm <id>",
      "one admission: its events, admission record and the previous discharge note",
      parseWholeNumber,
    )
    .option("--from <time>", "events from this time (YYYY-MM-DD[ HH:MM[:SS]])")
    .option("--until <time>", "events up to this time")
    .option("--max-tokens <n>", "fit the record into this many tokens", parseWholeNumber)
    .option(
      "--tokenizer <dir>",
      "model folder with tokenizer.json and tokenizer_config.json (default: a conservative estimate)",
    )
    .addOption(
      choiceOption(
        "--budget-policy <policy>",
        "events (drop oldest events first) or reference (keep the last N tokens)",
        ["events", "reference"],
        "events",
      ),
    )
    .option("--chat", "print the whole chat-templated prompt (needs --tokenizer)")
    .addOption(
      choiceOption(
        "--format <format>",
        "ehr-r1 (the released models' format), clean, or json",
        ["ehr-r1", "clean", "json"],
        "ehr-r1",
      ),
    )
    .action(async (subjectId: number, flags: ShowFlags) => {
      if (flags.chat && !flags.tokenizer)
        throw new UsageError("--chat needs --tokenizer (the chat template comes from the model folder)");
      const store = await Store.open(flags.db, { ...storeOptions(flags), readOnly: true, create: false });
      let trajectory;
      try {
        trajectory = await readTrajectory(store, subjectId);
      } finally {
        store.close();
      }
      const window = selectWindow(trajectory, { hadm: flags.hadm, from: flags.from, until: flags.until }, subjectId);
      if (flags.format === "json") {
        output.out(
          `${JSON.stringify({ subject_id: subjectId, window, demographics: trajectory[0], events: trajectory.slice(window.begin, window.end) }, null, 2)}\n`,
        );
        return;
      }
      const format = flags.format as "ehr-r1" | "clean";
      const parts = inputParts(trajectory, window, format);
      if (flags.maxTokens === undefined && !flags.chat) return void output.out(`${joinInput(parts, format)}\n`);
      const counter = tokenCounterFor(flags.tokenizer);
      const fitted = fitToBudget(parts, {
        maxTokens: flags.maxTokens ?? Number.MAX_SAFE_INTEGER,
        counter,
        format,
        policy: flags.budgetPolicy as BudgetPolicy,
        chat: flags.chat ?? false,
      });
      output.out(`${flags.chat || fitted.policy === "reference" ? fitted.prompt : fitted.input}\n`);
      const dropped = fitted.droppedEvents
        ? `, ${fitted.droppedEvents} of ${fitted.contextEvents} context events dropped`
        : "";
      output.err(
        `${fitted.tokens} tokens (${counter.name})${dropped}${fitted.dischargeTrimmed ? ", previous discharge note shortened" : ""}${fitted.truncated ? ", left-truncated" : ""}\n`,
      );
    });
}
