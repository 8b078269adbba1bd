/**
 * @precond/cli: the `precond` command (run, resume, report, list) and its programmatic entry
 * point `main(argv)`, which returns the exit code instead of exiting.
 */
export { main, type MainOptions } from './main.js';
export type { CliContext, Output } from './context.js';
export { CliError, formatError } from './errors.js';
export { experimentFromJson, type JsonPluginRef } from './experiment/json-experiment.js';
export { loadExperiment, locateExperiment, EXPERIMENT_FILES, type LoadedExperiment } from './experiment/load-experiment.js';
export { BUILT_IN_PLUGINS, buildRegistry, loadPluginModule } from './plugins.js';
export type { RunSummary } from './outputs.js';
export { runProgress, type ProgressOptions } from './progress/progress.js';
export { EXIT_ERROR, EXIT_INTERRUPTED, EXIT_OK } from './exit-codes.js';
