/** ehr-r1 as a library: everything the CLI does is a call a user can make from their own code. */
export { EhrR1Error, InputError, UsageError } from "./errors.js";
export { TOOL_VERSION } from "./version.js";
export { Store, type StoreOptions } from "./store/database.js";
export { summarizeStore, tableCounts, cohortCounts, type StoreSummary, type CohortCounts } from "./store/summary.js";
export { TABLES, REQUIRED_TABLES, MODULES, tableSpec, type TableSpec, type Module } from "./sources/mimic-iv/schema.js";
export { discoverMimic } from "./sources/mimic-iv/discover.js";
export { ingestMimic, type IngestOptions, type IngestSummary, type IngestProgress } from "./sources/mimic-iv/ingest.js";
export { loadMappings, mappingsInFolder, type MappingFiles } from "./sources/mimic-iv/mappings.js";
export { synthesizeCohort, type SynthOptions, type SynthSummary } from "./sources/synthetic/generate.js";
export { runDemo, type DemoOptions, type DemoResult } from "./demo.js";
export { buildTimeline, type TimelineBuildOptions, type TimelineBuildSummary } from "./timeline/build.js";
export { TIMELINE_SOURCES, tableOrder, type TimelineSource } from "./timeline/sources.js";
export { readTrajectory, readTrajectories, type EhrEvent, type EventItem, type ItemValue } from "./timeline/read.js";
export { selectWindow, parseTime, type RecordSelection } from "./timeline/select.js";
export {
  exportPatientsEhr,
  importPatientsEhr,
  type ExportOptions,
  type ExportSummary,
  type ImportSummary,
} from "./timeline/interop.js";
export { EVENT_FORMATS, type EventFormat } from "./render/event-formats.js";
export { renderEvent, type RenderFormat } from "./render/markdown.js";
export { inputParts, joinInput, renderInput, type InputParts, type SampleWindow } from "./render/sample.js";
export { pyFloatRepr, pyRepr, pyStr, pyStrRepr, pyTitle } from "./python/format.js";
export {
  ModelTokenizer,
  EstimatedTokenCounter,
  type TokenCounter,
  type ChatMessage,
  type ChatOptions,
} from "./render/tokenizer.js";
export {
  fitToBudget,
  userMessage,
  SYSTEM_PROMPT,
  type BudgetOptions,
  type BudgetPolicy,
  type BudgetedPrompt,
} from "./render/budget.js";
export {
  TASKS,
  task,
  selectTasks,
  type TaskDefinition,
  type TaskType,
  type Metric,
  type WindowRule,
} from "./tasks/registry.js";
export { buildTaskIndex, type IndexOptions, type IndexSummary, type TaskCount } from "./tasks/index-build.js";
export { exportTaskIndexCsv } from "./tasks/export-csv.js";
export { PRESETS, parseConfig, type SampleConfig, type Preset } from "./tasks/presets.js";
export {
  sampleTaskIndex,
  type SampleOptions,
  type SampleSummary,
  type SampledTask,
  type SplitSpec,
} from "./tasks/sample.js";
export { buildDataset, type DatasetOptions, type DatasetRecord, type DatasetSummary } from "./tasks/build-dataset.js";
export { candidatePool, candidatesFor, type CandidatePool } from "./tasks/candidates.js";
export { answerItems, singleAnswer, splitThinking, yesNo, type SplitAnswer } from "./eval/answers.js";
export { auroc, rocCurve, WeightedAuroc } from "./eval/metrics/auroc.js";
export { setOverlap, type SetScores } from "./eval/metrics/set-overlap.js";
export { rouge1, rougeTokens } from "./eval/metrics/rouge1.js";
export { bootstrapInterval } from "./eval/metrics/bootstrap.js";
export {
  scoreSample,
  summarize,
  type ModelOutput,
  type SampleScore,
  type RunSummary,
  type TaskSummary,
} from "./eval/score.js";
export { readBenchmark } from "./eval/dataset.js";
export { goldOf } from "./tasks/target.js";
export { PROFILES, loadProfile, promptFor, profileSchema, type ModelProfile } from "./eval/profiles.js";
export { runBenchmark, type RunOptions, type RunResult, type ResultLine } from "./eval/runner.js";
export { loadRun, htmlReport, markdownReport, type ReportRun } from "./eval/report.js";
export { trainingSubjects } from "./eval/training-split.js";
export { inSet, subjectSet, type SubjectSet, type SubjectSource } from "./store/subject-set.js";
export {
  ProviderError,
  pYesFromLogprobs,
  type Provider,
  type GenerateRequest,
  type Generation,
  type TokenLogprob,
} from "./providers/types.js";
export {
  OpenAICompatibleProvider,
  serverTokenCount,
  servedProviders,
  type OpenAICompatibleOptions,
} from "./providers/openai-compatible.js";
export { checkEndpoint, isLoopbackAddress, type CheckedEndpoint } from "./providers/endpoint.js";
export { redactSecrets } from "./providers/redact.js";
export { cachedProvider, canonicalJson } from "./providers/cache.js";
export { createBaselineProvider, type BaselineOptions } from "./providers/baseline.js";
export { buildEventConcepts, CONCEPT_TASKS, type ConceptOptions } from "./graph/concepts.js";
export { ConceptMatcher, type ConceptMatch, type MatcherOptions } from "./graph/matcher.js";
export { buildCooccurrence, type CooccurrenceOptions, type CooccurrenceSummary } from "./graph/cooccurrence.js";
export {
  GraphKnowledge,
  dataKnowledge,
  type KnowledgeSource,
  type KnowledgePath,
  type PathLimits,
  type Edge,
} from "./graph/knowledge.js";
export { buildSamplePaths, type SamplePathOptions, type SamplePathSummary } from "./graph/sample-paths.js";
export { importUmls, UmlsKnowledge, ACCEPTED_SEMANTIC_TYPES, EXCLUDED_RELATIONS } from "./graph/umls.js";
export { synthesisPrompt, type PromptVariant, type SynthesisInput } from "./reasoning/prompts.js";
export { judgeChain, type RejectReason } from "./reasoning/filter.js";
export {
  synthesizeChains,
  filterChains,
  samplePaths,
  type SynthesisOptions,
  type ChainLine,
} from "./reasoning/synthesize.js";
export { runJobs, readCompleteLines, type JobOptions } from "./common/jobs.js";
export { generateWithRetries, type RetryPolicy } from "./providers/retry.js";
export {
  exportDataset,
  exportRow,
  rlMessages,
  groundTruthOf,
  EXPORT_FORMATS,
  EXPORT_FORMAT_NAMES,
  type ExportFormat,
  type ExportOptions as TrainingExportOptions,
} from "./export/formats.js";
export { rewardFor, type RewardOptions, type RewardResult, type RewardStyle } from "./rewards/core.js";
export { rewardApp, serveRewards, type RewardServerOptions } from "./rewards/server.js";
export { labelProblem, REWARD_STYLES } from "./rewards/core.js";
export {
  EHRMIND_FAMILIES,
  familyOf,
  medcalcFamily,
  matchingFamily,
  ehrshotFamily,
  readmissionFamily,
  TREC_MATCHING_LABELS,
  EHRMIND_MATCHING_LABELS,
  type RewardFamily,
  type FamilyOptions,
} from "./rewards/families.js";
export {
  parseEhrmind,
  responseUnderRules,
  assistantTurn,
  combine,
  DEFAULT_TAIL_TOKENS,
} from "./rewards/ehrmind-format.js";
export { parsePyJson, pyStrOf, PyDict, type PyJson } from "./python/json.js";
export { evalPyNumber, pyRound, type PyNumber } from "./python/number.js";
export { groupAdvantages, zeroVariance } from "./rewards/grpo.js";
export { classWeights } from "./export/formats.js";
export { RL_FORMATS, RL_FORMAT_NAMES, type RlRow, type RlFormat, type RlSchema } from "./export/rl-formats.js";
export { mixOrder } from "./export/mix.js";
export { medcalcCorrect, ruleOf, type MedcalcTruth, type MedcalcRule } from "./rewards/medcalc-correctness.js";
export { buildMedcalc, loadMedcalcCsv, MEDCALC_COLUMNS, type MedcalcBuildOptions } from "./medcalc/build.js";
export {
  evaluateMedcalc,
  readMedcalcRows,
  readCompletions as readMedcalcCompletions,
  ehrmindPass,
  evalAnswer,
  type MedcalcEvalSummary,
} from "./medcalc/evaluate.js";
export { medcalcMessages, medcalcPromptParts } from "./medcalc/prompt.js";
export { runMedcalc, type MedcalcRunOptions } from "./medcalc/run.js";
export { buildMatching, splitPairs, type MatchingBuildOptions } from "./matching/build.js";
export { matchingMessages, trialText } from "./matching/prompt.js";
export { ehrmindMessages, EHRMIND_SYSTEM, LLAMA3_PREFILL } from "./ehrmind/template.js";
export { endpointAgent, requestFetch } from "./providers/http-transport.js";
