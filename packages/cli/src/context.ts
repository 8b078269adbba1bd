import path from 'node:path';

/** A stream the CLI writes to (process.stdout/stderr, or a collector in tests). */
export interface Output {
  write(text: string): unknown;
  readonly isTTY?: boolean;
}

/** What every command runs with: where it is and where its output goes. */
export interface CliContext {
  /** Relative paths on the command line are resolved from here. */
  readonly cwd: string;
  /** Results: run folders, report paths, tables. */
  readonly stdout: Output;
  /** Progress, notices and errors. */
  readonly stderr: Output;
  readonly env: NodeJS.ProcessEnv;
}

/** A path as the user should see it: relative to the current directory when inside it. */
export function displayPath(ctx: CliContext, location: string): string {
  const abs = path.resolve(ctx.cwd, location);
  const rel = path.relative(ctx.cwd, abs);
  return rel === '' ? '.' : rel.startsWith('..') || path.isAbsolute(rel) ? abs : rel;
}

/** Indent continuation lines of a multi-line message so it reads as one item. */
export function indentLines(text: string, indent = '  '): string {
  return text.split('\n').join(`\n${indent}`);
}
