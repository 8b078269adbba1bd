/**
 * Where run records live. The runner writes through this interface only, so it runs unchanged in
 * Node (a folder on disk, @precond/runtime-node) and in a browser (memory, or OPFS).
 * Paths are relative to the run folder and use `/`.
 */
export interface RunFolder {
  /** Where the folder is (a path on disk, or a name); printed to the user. */
  readonly location: string;
  /** Replace a file's contents. */
  writeText(path: string, text: string): Promise<void>;
  /** Append to a file and flush, so a crash keeps what was written. */
  appendText(path: string, text: string): Promise<void>;
  readText(path: string): Promise<string>;
  writeBytes(path: string, data: Uint8Array): Promise<void>;
  readBytes(path: string): Promise<Uint8Array>;
  exists(path: string): Promise<boolean>;
  /** Names of the entries directly inside `dir` (files and folders), sorted. */
  list(dir: string): Promise<string[]>;
}

export interface RunStore {
  /** Make a new, empty run folder at `location` (relative to the store's root). */
  create(location: string): Promise<RunFolder>;
  /** Open an existing run folder (for resume and report); fails with a message naming it if absent. */
  open(location: string): Promise<RunFolder>;
}

/** A run store in memory: the browser's default and a test double-free way to inspect records. */
export class MemoryRunStore implements RunStore {
  readonly files = new Map<string, Uint8Array>();

  async create(location: string): Promise<RunFolder> {
    for (const key of this.files.keys()) {
      if (key.startsWith(`${location}/`)) throw new Error(`run folder '${location}' already exists`);
    }
    this.files.set(`${location}/.keep`, new Uint8Array());
    return this.folder(location);
  }

  async open(location: string): Promise<RunFolder> {
    if (![...this.files.keys()].some((k) => k.startsWith(`${location}/`))) {
      throw new Error(`no run folder at '${location}'`);
    }
    return this.folder(location);
  }

  /** Every run folder location in the store. */
  locations(): string[] {
    return [...new Set([...this.files.keys()].filter((k) => k.endsWith('/.keep')).map((k) => k.slice(0, -6)))].sort();
  }

  private folder(location: string): RunFolder {
    const files = this.files;
    const key = (p: string) => `${location}/${p}`;
    const enc = new TextEncoder();
    const dec = new TextDecoder();
    const read = (p: string) => {
      const v = files.get(key(p));
      if (!v) throw new Error(`${key(p)}: no such file`);
      return v;
    };
    return {
      location,
      writeText: async (p, text) => void files.set(key(p), enc.encode(text)),
      appendText: async (p, text) => {
        const old = files.get(key(p)) ?? new Uint8Array();
        const add = enc.encode(text);
        const joined = new Uint8Array(old.length + add.length);
        joined.set(old);
        joined.set(add, old.length);
        files.set(key(p), joined);
      },
      readText: async (p) => dec.decode(read(p)),
      writeBytes: async (p, data) => void files.set(key(p), data.slice()),
      readBytes: async (p) => read(p).slice(),
      exists: async (p) => files.has(key(p)) || [...files.keys()].some((k) => k.startsWith(`${key(p)}/`)),
      list: async (dir) => {
        const prefix = dir ? `${key(dir)}/` : `${location}/`;
        const names = new Set<string>();
        for (const k of files.keys()) {
          if (!k.startsWith(prefix)) continue;
          const rest = k.slice(prefix.length).split('/')[0]!;
          if (rest && rest !== '.keep') names.add(rest);
        }
        return [...names].sort();
      },
    };
  }
}
