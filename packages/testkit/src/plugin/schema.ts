import { isPluginInstance, optionsToJson, type z } from '@precond/core';
import { firstDifference, notJsonAt } from '../compare/compare.js';
import { fail, pass, type CheckResult } from '../report/report.js';
import type { PluginSource } from './plugin-source.js';

/** A key no plugin declares: a strict schema must reject it, so typos in experiments surface. */
export const UNKNOWN_OPTION_PROBE = '__conformance_unknown_option__';

function formatIssues(error: z.ZodError): string {
  return error.issues.map((i) => `${i.path.map(String).join('.') || '(root)'}: ${i.message}`).join('; ');
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/**
 * The `schema` check: the option schema fills every default from `{}`; what it returns validates
 * again to itself (a resumed run re-reads its resolved options from run.json) and holds only JSON;
 * an unknown option name is rejected; and the suite's own options (when given) pass the same way.
 */
export function checkPluginSchema(source: PluginSource, options?: unknown): CheckResult {
  const schema = source.options as z.ZodType | undefined;
  if (typeof schema?.safeParse !== 'function') return fail('schema', '`options` is not a zod schema (it has no safeParse)');
  const problems: string[] = [];
  const details: Record<string, unknown> = {};
  const roundTrip = (label: string, raw: unknown): unknown => {
    const first = schema.safeParse(raw);
    if (!first.success) {
      problems.push(`${label} ${JSON.stringify(optionsToJson(raw))} do not validate: ${formatIssues(first.error)}`);
      return undefined;
    }
    const again = schema.safeParse(first.data);
    if (!again.success) {
      problems.push(`the validated ${label} do not validate again: ${formatIssues(again.error)}`);
      return first.data;
    }
    const diff = firstDifference(first.data, again.data);
    if (diff) problems.push(`validating the validated ${label} again changes them at ${diff}`);
    const notJson = notJsonAt(first.data, isPluginInstance);
    if (notJson) problems.push(`the validated ${label} are not JSON: ${notJson}`);
    return first.data;
  };
  const defaults = roundTrip('defaults ({})', {});
  details.defaults = defaults;
  if (isRecord(defaults)) {
    const unknown = schema.safeParse({ [UNKNOWN_OPTION_PROBE]: 1 });
    if (unknown.success) {
      problems.push(`an unknown option '${UNKNOWN_OPTION_PROBE}' is accepted; declare the schema with z.object({...}).strict() so misspelt options are errors`);
    }
  }
  if (options !== undefined) details.options = roundTrip('suite options', options);
  if (problems.length > 0) return fail('schema', problems.join('; '), { ...details, problems });
  // optionsToJson: nested plugin objects print as { plugin, options }, as run.json records them.
  return pass('schema', `defaults ${JSON.stringify(optionsToJson(defaults))} validate, round-trip and are JSON`, details);
}
