import { PrecondError, readRunRecord, type RunFolder, type RunRecord } from '@precond/core';

/** One run record read back from its folder: what every figure and report is built from. */
export interface LoadedRun {
  /** The folder's location, as the store prints it. */
  readonly location: string;
  /** run.json, parsed. */
  readonly record: RunRecord;
  /** metrics.jsonl, one object per logged step, in file order. Every row has a numeric `step`. */
  readonly rows: ReadonlyArray<Readonly<Record<string, unknown>>>;
}

const METRICS = 'metrics.jsonl';

/**
 * Read a run folder: run.json through core's reader (so a folder that is not a run, or a newer
 * format, fails with core's message) and metrics.jsonl line by line.
 *
 * The runner appends one `JSON\n` per row, so a crash can leave only the last line cut short:
 * a last line without its newline that does not parse is ignored. Every other line must be a JSON
 * object with a numeric `step`; otherwise the error names the file and the line number.
 */
export async function loadRun(folder: RunFolder): Promise<LoadedRun> {
  const record = await readRunRecord(folder);
  // The runner creates metrics.jsonl right after run.json; a folder without one has no rows yet.
  const text = (await folder.exists(METRICS)) ? await folder.readText(METRICS) : '';
  return { location: folder.location, record, rows: parseMetrics(text, `${folder.location}/${METRICS}`) };
}

/** Parse the text of a metrics.jsonl file; `where` names the file in error messages. */
export function parseMetrics(text: string, where: string): Array<Record<string, unknown>> {
  const lines = text.split('\n');
  // After the final newline, split() leaves '' (a complete file) or a line that was being written.
  const unterminated = lines.pop() ?? '';
  const rows: Array<Record<string, unknown>> = [];
  lines.forEach((line, i) => {
    if (line.trim() !== '') rows.push(parseRow(line, where, i + 1));
  });
  if (unterminated.trim() !== '') {
    try {
      rows.push(parseRow(unterminated, where, lines.length + 1));
    } catch {
      // A row cut short by a crash: everything before it is intact and is what the run logged.
    }
  }
  return rows;
}

function parseRow(line: string, where: string, lineNumber: number): Record<string, unknown> {
  let value: unknown;
  try {
    value = JSON.parse(line);
  } catch (error) {
    throw new PrecondError('bad-metrics', `${where} line ${lineNumber}: not valid JSON (${(error as Error).message})`);
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    const got = Array.isArray(value) ? 'an array' : JSON.stringify(value);
    throw new PrecondError('bad-metrics', `${where} line ${lineNumber}: expected a JSON object per line, got ${got}`);
  }
  const row = value as Record<string, unknown>;
  if (typeof row.step !== 'number' || !Number.isInteger(row.step) || row.step < 0) {
    throw new PrecondError(
      'bad-metrics',
      `${where} line ${lineNumber}: field "step" is ${JSON.stringify(row.step) ?? 'missing'}; expected a non-negative integer`,
    );
  }
  return row;
}
