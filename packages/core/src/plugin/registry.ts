import { article, PrecondError, UnknownNameError } from '../errors/errors.js';
import type { PluginFactory, PluginKind } from './define-plugin.js';

/** Two plugins claimed the same id. */
export class DuplicatePluginError extends PrecondError {
  constructor(id: string, first: string, second: string) {
    super('duplicate-plugin', `plugin id '${id}' is registered twice: by ${first} and by ${second}; ids must be unique`);
    this.name = 'DuplicatePluginError';
  }
}

interface Entry {
  factory: PluginFactory;
  origin: string;
}

/**
 * The table from short ids (`adam`, `lm`, `fourier-target`) to plugin factories that the CLI and
 * the playground use to resolve names. Registering an id twice is an error that names both origins.
 */
export class PluginRegistry {
  private readonly entries = new Map<string, Entry>();

  /** Add a factory; `origin` says where it came from (a package name, a `--plugin` module path). */
  add(factory: PluginFactory, origin = factory.meta.name): this {
    const id = factory.meta.id;
    const existing = this.entries.get(id);
    if (existing) throw new DuplicatePluginError(id, existing.origin, origin);
    this.entries.set(id, { factory, origin });
    return this;
  }

  /** The factory for `id`, checked to be of `kind` when given. */
  get(id: string, kind?: PluginKind): PluginFactory {
    const entry = this.entries.get(id);
    const known = this.list(kind).map((f) => f.meta.id);
    if (!entry) throw new UnknownNameError(kind ? `${kind} plugin` : 'plugin', id, known);
    if (kind && entry.factory.meta.kind !== kind) {
      throw new PrecondError(
        'wrong-kind',
        `plugin '${id}' (${entry.origin}) is ${article(entry.factory.meta.kind)} plugin; ${article(kind)} plugin is needed here, one of: ${known.join(', ') || '(none)'}`,
      );
    }
    return entry.factory;
  }

  has(id: string): boolean {
    return this.entries.has(id);
  }

  /** All factories (of one kind), sorted by id. */
  list(kind?: PluginKind): PluginFactory[] {
    return [...this.entries.values()]
      .map((e) => e.factory)
      .filter((f) => !kind || f.meta.kind === kind)
      .sort((a, b) => a.meta.id.localeCompare(b.meta.id));
  }

  /** Where the plugin with `id` came from. */
  origin(id: string): string | undefined {
    return this.entries.get(id)?.origin;
  }
}
