/** The outcome of one conformance check. */
export interface CheckResult {
  /** Stable name of the check, e.g. `state-round-trip` (the lists are `OPTIMIZER_CHECKS`, ...). */
  readonly check: string;
  readonly passed: boolean;
  /** One sentence a plugin author can act on: what was measured, against what. */
  readonly message: string;
  /** Measured values behind the message (distances, tensor counts, the behaviour observed). */
  readonly details?: Readonly<Record<string, unknown>>;
}

/** Every check run on one plugin, in the order they ran. */
export interface ConformanceReport {
  /** `<id> (<package>@<version>)` of the plugin under test. */
  readonly plugin: string;
  readonly results: readonly CheckResult[];
}

export function pass(check: string, message: string, details?: Record<string, unknown>): CheckResult {
  return details ? { check, passed: true, message, details } : { check, passed: true, message };
}

export function fail(check: string, message: string, details?: Record<string, unknown>): CheckResult {
  return details ? { check, passed: false, message, details } : { check, passed: false, message };
}

/** The message of anything thrown, for findings (plugins may throw non-Errors). */
export function describeThrown(error: unknown): string {
  if (error instanceof Error) return `${error.name}: ${error.message}`;
  try {
    return `a non-Error value ${JSON.stringify(error)}`;
  } catch {
    return `a non-Error value ${String(error)}`;
  }
}

/**
 * Run one check and turn anything it throws into a failed finding, so a misbehaving plugin never
 * aborts the rest of the suite.
 */
export async function runCheck(check: string, body: () => Promise<CheckResult> | CheckResult): Promise<CheckResult> {
  try {
    return await body();
  } catch (error) {
    return fail(check, `the check could not complete: ${describeThrown(error)}`, { error: describeThrown(error) });
  }
}

/** The checks of a report that failed. */
export function failedChecks(report: ConformanceReport): CheckResult[] {
  return report.results.filter((r) => !r.passed);
}

/** Whether every check of a report passed. */
export function reportPassed(report: ConformanceReport): boolean {
  return report.results.every((r) => r.passed);
}

/** One line per check, `✓ name: message` or `✗ name: message`, under the plugin's name. */
export function formatReport(report: ConformanceReport): string {
  const lines = report.results.map((r) => `${r.passed ? '✓' : '✗'} ${r.check}: ${r.message}`);
  return [`conformance of ${report.plugin}`, ...lines].join('\n');
}
