#!/usr/bin/env bash
# Every output of the pipeline on two cohorts (the MIMIC-IV demo and a 2,000-patient synthetic
# cohort), as SHA-256 per file, for refactors that must not change behaviour. The task index is
# kept as a store so behaviour-check.sh can compare it row by row (EXCEPT ALL both ways).
#
#   scripts/behaviour-snapshot.sh <checkout> <out-dir>
#
# <checkout> is a built ehr-r1 checkout (dist/ present); <out-dir> receives one folder per cohort
# and hashes.txt. Needs ../shared/data (or $EHR_R1_DATA) for the demo and MedCalc-Bench.
set -euo pipefail
checkout=$(cd "$1" && pwd)
mkdir -p "$2"
out=$(cd "$2" && pwd)
data=$(cd "${EHR_R1_DATA:-$checkout/../shared/data}" && pwd)
here=$(cd "$(dirname "$0")" && pwd)
cli() { node "$checkout/bin/ehr-r1.js" "$@"; }
step() { printf '%s  %s\n' "$(date +%T)" "$*" >&2; }

# Completions for `reward score`: each exported row answered with its gold answer, and with another
# row's gold answer (so wrong answers are scored too).
completions() {
  node -e '
    const lines = require("fs").readFileSync(process.argv[1], "utf8").trim().split("\n").map(JSON.parse);
    lines.forEach((r, i) => {
      const other = lines[(i + 7) % lines.length];
      for (const answer of [r.output, other.output])
        console.log(JSON.stringify({ task: r.task_info.task, completion: "<think>\n\n</think>\n\n" + answer, ground_truth: r.task_info.target }));
    });' "$1"
}

pipeline() {
  local name=$1 store=$2 dir=$out/$1
  step "$name: timeline, index"
  cli timeline build --db "$store" >/dev/null
  cli tasks index --db "$store" >/dev/null
  step "$name: exports and samples"
  cli tasks export --db "$store" --out "$dir/task-index-csv" >/dev/null
  cli tasks sample --db "$store" --config ehr-ins --split train --test-ratio 0.3 --out "$dir/sample-ehr-ins.csv" >/dev/null
  step "$name: builds"
  cli build ehr-bench --db "$store" --out "$dir/ehr-bench" --per-task 20 --balance --split test --test-ratio 0.3 --workers 2 >/dev/null
  cli build ehr-ins --db "$store" --out "$dir/ehr-ins" --per-task 40 --split train --test-ratio 0.3 --workers 2 >/dev/null
  cli build ehr-ins --db "$store" --out "$dir/ehr-ins-budget" --per-task 10 --split train --test-ratio 0.3 \
    --max-tokens 2048 --tokenizer "$data/tokenizers/qwen3" --format clean --workers 1 >/dev/null
  local bench train
  bench=$(ls "$dir"/ehr-bench/data/*.jsonl | head -1)
  train=$(ls "$dir"/ehr-ins/data/*.jsonl | head -1)
  step "$name: training files, rewards, baselines"
  mkdir -p "$dir/export"
  cli export sft --data "$train" --out "$dir/export/sft.jsonl" >/dev/null
  cli export verl --data "$bench" --out "$dir/export/verl.parquet" >/dev/null
  cli export verl --data "$bench" --out "$dir/export/verl-ehrmind.parquet" --style ehrmind --class-weighted >/dev/null
  cli export openrlhf --data "$bench" --out "$dir/export/openrlhf.jsonl" >/dev/null
  cli export trl-grpo --data "$train" --out "$dir/export/trl-grpo.jsonl" --mix "$bench" --curriculum >/dev/null
  completions "$bench" >"$dir/export/completions.jsonl"
  cli reward score --data "$dir/export/completions.jsonl" >"$dir/export/rewards.jsonl" 2>/dev/null
  cli bench run --provider baseline --db "$store" --data "$bench" --out "$dir/baseline-run" >/dev/null
  # Timing fields differ run to run: keep everything else of each result.
  node -e '
    for (const l of require("fs").readFileSync(process.argv[1], "utf8").trim().split("\n")) {
      const r = JSON.parse(l); for (const k of ["latency_ms", "started_at", "finished_at", "seconds", "elapsed_ms"]) delete r[k];
      console.log(JSON.stringify(r));
    }' "$dir/baseline-run/results.jsonl" >"$dir/baseline-run/results.untimed.jsonl"
  rm -f "$dir/baseline-run/results.jsonl" "$dir/baseline-run/summary.json"
}

step "demo: ingest"
mkdir -p "$out/demo"
cli ingest "$data/mimic-iv-demo-2.2" --db "$out/demo/store.duckdb" --mappings "$data/mappings" >/dev/null
pipeline demo "$out/demo/store.duckdb"
step "demo: graph"
cli graph build --db "$out/demo/store.duckdb" >/dev/null
step "medcalc, trial matching"
for format in verl openrlhf trl-grpo; do
  cli medcalc build --test "$data/medcalc-bench/test_data.csv" --out "$out/medcalc-$format" --format $format >/dev/null
  cli medcalc build --test "$data/medcalc-bench/test_data.csv" --out "$out/medcalc-messages-$format" --format $format --template messages >/dev/null
done
# TrialGPT-format inputs cut from EHRMIND's 100 real SFT rows (as test/helpers/matching-inputs.ts).
mkdir -p "$out/matching-inputs"
cli sql --db "$out/demo/store.duckdb" --json \
  "SELECT input, query_id AS q, corpus_id AS c, label::INTEGER AS label FROM '$data/ehrmind-verl/matching_sft_val.parquet'" |
  node -e '
    const rows = JSON.parse(require("fs").readFileSync(0, "utf8")); const dir = process.argv[1]; const fs = require("fs");
    const notes = new Map(); const trials = {};
    for (const r of rows) {
      notes.set(r.q, r.input.split("Here is the patient note:\n")[1].split("\n\nHere is the clinial trial:\n")[0]);
      const m = /^Title: (.*)\nInclusion Criteria: \n```\n([\s\S]*)\n```\nExclusion Criteria: \n```\n([\s\S]*)\n```$/.exec(r.input.split("Here is the clinial trial:\n")[1].split("\n-----------------")[0]);
      trials[r.c] = { brief_title: m[1], inclusion_criteria: m[2], exclusion_criteria: m[3] };
    }
    fs.writeFileSync(dir + "/queries.jsonl", [...notes].map(([id, text]) => JSON.stringify({ _id: id, text })).join("\n"));
    fs.writeFileSync(dir + "/qrels.tsv", "query-id\tcorpus-id\tscore\n" + rows.map((r) => [r.q, r.c, r.label].join("\t")).join("\n") + "\n");
    fs.writeFileSync(dir + "/trial_info.json", JSON.stringify(trials));' "$out/matching-inputs"
for format in verl openrlhf trl-grpo; do
  for template in llama3 messages; do
    cli matching build --queries "$out/matching-inputs/queries.jsonl" --qrels "$out/matching-inputs/qrels.tsv" \
      --trials "$out/matching-inputs/trial_info.json" --out "$out/matching-$template-$format" --format $format \
      --template $template --val-size 6 >/dev/null
  done
done

step "synth2000: synth, ingest"
cli synth --patients 2000 --seed 7 --out "$out/synth2000/cohort" >/dev/null
cli ingest "$out/synth2000/cohort" --db "$out/synth2000/store.duckdb" --mappings "$out/synth2000/cohort/mappings" >/dev/null
pipeline synth2000 "$out/synth2000/store.duckdb"

# Graph tables, order-free (a sum of row hashes per table).
node "$checkout/bin/ehr-r1.js" sql --db "$out/demo/store.duckdb" --json \
  "SELECT table_name, (SELECT 0) AS x FROM information_schema.tables WHERE table_schema = 'graph' ORDER BY 1" >"$out/demo/graph-tables.json"
for t in $(node -e 'for (const r of JSON.parse(require("fs").readFileSync(process.argv[1], "utf8"))) console.log(r.table_name)' "$out/demo/graph-tables.json"); do
  cli sql --db "$out/demo/store.duckdb" --json "SELECT count(*) AS n, sum(hash(COLUMNS(*))::HUGEINT) AS h FROM graph.$t" >"$out/demo/graph-$t.json"
done

cd "$out"
# Metadata files carry build times and this snapshot's own paths: hash them without either.
meta='(^|/)(manifest|build-plan|run)\.json$|\.manifest\.json$'
find . -type f ! -name '*.duckdb' ! -name '*.wal' ! -name '*.lock' ! -name '*.parquet' ! -name hashes.txt ! -path './synth2000/cohort/*' -print |
  grep -Ev "$meta" | sort | tr '\n' '\0' | xargs -0 sha256sum >hashes.txt
# Parquet by content (schema and rows in order): two writers of one table may lay out bytes differently.
for p in $(find . -type f -name '*.parquet' ! -path './synth2000/cohort/*' | sort); do
  printf '%s  %s\n' "$(node "$here/parquet-content-hash.mjs" "$p")" "$p (content)" >>hashes.txt
done
for m in $(find . -type f | grep -E "$meta" | sort); do
  printf '%s  %s\n' "$(node -e '
    const [file, out] = process.argv.slice(1);
    const strip = (v) => Array.isArray(v) ? v.map(strip) : v && typeof v === "object" ? Object.fromEntries(Object.entries(v).filter(([k]) => !/(_at|At|seconds|time|version)$/i.test(k)).map(([k, x]) => [k, strip(x)])) : typeof v === "string" ? v.split(out).join("<out>") : v;
    console.log(require("crypto").createHash("sha256").update(JSON.stringify(strip(JSON.parse(require("fs").readFileSync(file, "utf8"))))).digest("hex"))' "$m" "$out")" "$m (untimed)" >>hashes.txt
done
step "done: $(wc -l <hashes.txt) files hashed in $out/hashes.txt"
