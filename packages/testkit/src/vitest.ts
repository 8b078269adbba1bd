/**
 * Vitest wrappers of the conformance checks: each registers one `describe` block for a plugin with
 * one `it` per check, so a failing check is reported by name with its finding. Import from
 * `@precond/testkit/vitest` in a plugin's test file:
 *
 * @example
 * import { describeOptimizerConformance } from '@precond/testkit/vitest';
 * import { adam } from '../src/index.js';
 * describeOptimizerConformance(adam, { options: { lr: 0.05 } });
 */
import type { z } from '@precond/core';
import { describe, expect, it } from 'vitest';
import { checkOptimizerPlugin, selectedOptimizerChecks, type OptimizerSuiteOptions } from './optimizer/check-optimizer.js';
import { pluginLabel, type PluginSource } from './plugin/plugin-source.js';
import { checkPreconditionerPlugin, selectedPreconditionerChecks, type PreconditionerSuiteOptions } from './preconditioner/check-preconditioner.js';
import { checkProbePlugin, PROBE_CHECKS, type ProbeCheckContext, type ProbeSuiteOptions } from './probe/check-probe.js';
import type { CheckResult, ConformanceReport } from './report/report.js';
import { checkTaskPlugin, TASK_CHECKS, type TaskSuiteOptions } from './task/check-task.js';
import { checkBudget } from './training/budget.js';

/** Per-check timeout: the convergence checks run thousands of steps on the slowest backend. */
export const DEFAULT_CHECK_TIMEOUT_MS = 120_000;
/**
 * Per-check timeout on a GPU backend (`checkBudget`): a step there can cost 100× a wasm step
 * (SwiftShader on a loaded machine). A check that times out keeps running behind the next one and
 * spoils its tensor counts, so the limit is generous.
 */
export const GPU_CHECK_TIMEOUT_MS = 600_000;

/** The timeout of each check: the suite's, else the default for the active backend. */
function checkTimeout(given: number | undefined): number {
  return given ?? (checkBudget().reduced ? GPU_CHECK_TIMEOUT_MS : DEFAULT_CHECK_TIMEOUT_MS);
}

/** Options every wrapper takes besides its suite's own. */
export interface VitestWrapperOptions {
  /** Timeout of each `it`, in milliseconds; default `DEFAULT_CHECK_TIMEOUT_MS` (`GPU_CHECK_TIMEOUT_MS` on a GPU backend). */
  readonly timeout?: number;
}

function expectPassed(check: string, report: ConformanceReport): void {
  const result: CheckResult | undefined = report.results.find((r) => r.check === check);
  expect(result, `the suite did not run '${check}'`).toBeDefined();
  const details = result?.details ? `\n${JSON.stringify(result.details, null, 1)}` : '';
  expect(result?.passed, `${report.plugin} fails '${check}': ${result?.message}${details}`).toBe(true);
}

function describeSuite<C extends string>(
  kind: string,
  source: PluginSource,
  checks: readonly C[],
  timeout: number,
  run: (check: C) => Promise<ConformanceReport>,
): void {
  describe(`${kind} conformance: ${pluginLabel(source)}`, () => {
    for (const check of checks) {
      it(check, async () => expectPassed(check, await run(check)), timeout);
    }
  });
}

/**
 * One `describe` with one `it` per optimizer check (see `OPTIMIZER_CHECKS`, `OPTIMIZER_SUITE_DEFAULTS`).
 *
 * @example
 * describeOptimizerConformance(myOptimizer, { options: { lr: 0.1 }, rosenbrock: { steps: 5000 } });
 */
export function describeOptimizerConformance<S extends z.ZodType>(
  source: PluginSource<S>,
  suite: OptimizerSuiteOptions<z.input<S>> & VitestWrapperOptions = {},
): void {
  describeSuite('optimizer', source, selectedOptimizerChecks(suite), checkTimeout(suite.timeout), (check) =>
    checkOptimizerPlugin(source, { ...suite, checks: [check] }),
  );
}

/** One `describe` with one `it` per preconditioner check (see `PRECONDITIONER_CHECKS`, `PRECONDITIONER_SUITE_DEFAULTS`). */
export function describePreconditionerConformance<S extends z.ZodType>(
  source: PluginSource<S>,
  suite: PreconditionerSuiteOptions<z.input<S>> & VitestWrapperOptions = {},
): void {
  describeSuite('preconditioner', source, selectedPreconditionerChecks(suite), checkTimeout(suite.timeout), (check) =>
    checkPreconditionerPlugin(source, { ...suite, checks: [check] }),
  );
}

/** One `describe` with one `it` per task check (see `TASK_CHECKS`, `TASK_SUITE_DEFAULTS`). */
export function describeTaskConformance<S extends z.ZodType>(source: PluginSource<S>, suite: TaskSuiteOptions<z.input<S>> & VitestWrapperOptions = {}): void {
  describeSuite('task', source, suite.checks ?? TASK_CHECKS, checkTimeout(suite.timeout), (check) =>
    checkTaskPlugin(source, { ...suite, checks: [check] }),
  );
}

/**
 * One `describe` with one `it` per probe check (see `PROBE_CHECKS`, `PROBE_SUITE_DEFAULTS`); the
 * probe observes `task` and `model` (default the testkit's least-squares task and its linear model).
 */
export function describeProbeConformance<S extends z.ZodType>(
  source: PluginSource<S>,
  suite: ProbeSuiteOptions<z.input<S>> & ProbeCheckContext & VitestWrapperOptions = {},
): void {
  const { task, model, curvatureProvider, ...rest } = suite;
  describeSuite('probe', source, suite.checks ?? PROBE_CHECKS, checkTimeout(suite.timeout), (check) =>
    checkProbePlugin(source, { ...rest, checks: [check] }, { task, model, curvatureProvider }),
  );
}
