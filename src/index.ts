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
