import { PLUGIN_KINDS, type PluginKind } from '@precond/core';
import { fail, pass, type CheckResult } from '../report/report.js';
import { instantiate, type PluginSource } from './plugin-source.js';

/** Semantic Versioning 2.0.0, the regular expression published at semver.org. */
const SEMVER =
  /^(0|[1-9]\d*)\.(0|[1-9]\d*)\.(0|[1-9]\d*)(?:-((?:0|[1-9]\d*|\d*[a-zA-Z-][0-9a-zA-Z-]*)(?:\.(?:0|[1-9]\d*|\d*[a-zA-Z-][0-9a-zA-Z-]*))*))?(?:\+([0-9a-zA-Z-]+(?:\.[0-9a-zA-Z-]+)*))?$/;

/** An npm package name (scoped or not), as npm accepts new ones: lower case, at most 214 characters. */
const PACKAGE_NAME = /^(?:@[a-z0-9-~][a-z0-9-._~]*\/)?[a-z0-9-~][a-z0-9-._~]*$/;

/**
 * Kebab-case: lower-case words joined by single hyphens. Stricter than `definePlugin`'s guard
 * (which lets `adam-` and `a--b` through) because ids are typed on command lines and prefix metric
 * names.
 */
export const KEBAB_CASE_ID = /^[a-z][a-z0-9]*(?:-[a-z0-9]+)*$/;

/**
 * The `metadata` check: `meta` names a valid npm package, a semver version, the expected kind and
 * a kebab-case id; a factory's plugin objects carry the factory's own `meta` and schema.
 */
export function checkPluginMetadata(source: PluginSource, kind: PluginKind): CheckResult {
  const problems: string[] = [];
  const meta = (source as unknown as { meta?: Record<string, unknown> }).meta;
  if (!meta || typeof meta !== 'object') {
    return fail('metadata', 'the plugin has no `meta` object; definePlugin({ meta: { name, version, kind, id }, ... }) provides one');
  }
  const { name, version, id, description } = meta;
  if (typeof name !== 'string' || name.length > 214 || !PACKAGE_NAME.test(name)) {
    problems.push(`meta.name ${JSON.stringify(name)} is not an npm package name (lower case, e.g. '@scope/optimizer-foo')`);
  }
  if (typeof version !== 'string' || !SEMVER.test(version)) {
    problems.push(`meta.version ${JSON.stringify(version)} is not a semantic version like '1.2.3'`);
  }
  if (meta.kind !== kind) {
    const known = (PLUGIN_KINDS as readonly unknown[]).includes(meta.kind) ? '' : ` (kinds are: ${PLUGIN_KINDS.join(', ')})`;
    problems.push(`meta.kind is ${JSON.stringify(meta.kind)}, this suite tests '${kind}' plugins${known}`);
  }
  if (typeof id !== 'string' || !KEBAB_CASE_ID.test(id)) {
    problems.push(`meta.id ${JSON.stringify(id)} is not kebab-case (lower-case words joined by single hyphens, e.g. 'gauss-newton')`);
  }
  if (description !== undefined && (typeof description !== 'string' || description.includes('\n'))) {
    problems.push('meta.description, when given, must be one line of text');
  }
  const schema = (source as { options?: { safeParse?: unknown } }).options;
  if (typeof schema?.safeParse !== 'function') problems.push('`options` is not a zod schema (it has no safeParse)');
  if (typeof source === 'function') {
    let instance: ReturnType<typeof instantiate> | undefined;
    try {
      instance = instantiate(source);
    } catch (error) {
      problems.push(`calling the factory without options threw: ${(error as Error)?.message ?? String(error)}`);
    }
    if (instance) {
      if (instance.meta !== source.meta) problems.push("the factory's plugin objects carry a different `meta` than the factory");
      if (instance.options !== source.options) problems.push("the factory's plugin objects carry a different option schema than the factory");
      if (typeof instance.register !== 'function') problems.push("the factory's plugin objects have no `register` function");
    }
  } else if (typeof (source as { register?: unknown }).register !== 'function') {
    problems.push('the plugin object has no `register` function');
  }
  if (problems.length > 0) return fail('metadata', problems.join('; '), { problems });
  return pass('metadata', `${String(name)}@${String(version)} is ${/^[aeiou]/.test(kind) ? 'an' : 'a'} ${kind} plugin with id '${String(id)}'`);
}
