import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeTempDir, removeDir, runCli, runFolders, tinyExperiment, writeJson } from '../test-support/cli.js';

let cwd: string;
let folders: string[];

beforeAll(async () => {
  cwd = makeTempDir('report');
  writeJson(path.join(cwd, 'experiment.json'), tinyExperiment({ settings: { steps: 10, seeds: [0, 1], log: { every: 5 } } }));
  const result = await runCli(['run', '.', '--backend', 'cpu', '--no-report'], cwd);
  expect(result.code).toBe(0);
  folders = runFolders(path.join(cwd, 'runs'), 'tiny');
  expect(folders).toHaveLength(2);
});
afterAll(() => removeDir(cwd));

/** The run folder locations a report's run table lists. */
function locationsIn(html: string): string[] {
  return folders.filter((f) => html.includes(`<td>${f}</td>`));
}

describe('precond report', () => {
  it('reports on every run of an experiment folder, into that folder by default', async () => {
    const result = await runCli(['report', 'runs/tiny'], cwd);
    expect(result.code).toBe(0);
    expect(result.stdout).toBe('runs/tiny/report.html\n');
    const html = readFileSync(path.join(cwd, 'runs/tiny/report.html'), 'utf8');
    expect(locationsIn(html)).toEqual(folders);
    expect(html).toContain('<title>Report: tiny</title>');
  });

  it('reports on the runs of a whole run store and on run folders given one by one', async () => {
    const store = await runCli(['report', 'runs', '--out', 'all.html', '--title', 'All runs'], cwd);
    expect(store.code).toBe(0);
    expect(store.stdout).toBe('all.html\n');
    const html = readFileSync(path.join(cwd, 'all.html'), 'utf8');
    expect(locationsIn(html)).toEqual(folders);
    expect(html).toContain('<title>All runs</title>');

    const two = await runCli(['report', ...folders.map((f) => path.relative(cwd, f))], cwd);
    expect(two.code).toBe(0);
    expect(two.stdout).toBe('report.html\n');
    expect(locationsIn(readFileSync(path.join(cwd, 'report.html'), 'utf8'))).toEqual(folders);

    const one = await runCli(['report', folders[1]!], cwd);
    expect(one.code).toBe(0);
    expect(locationsIn(readFileSync(path.join(folders[1]!, 'report.html'), 'utf8'))).toEqual([folders[1]]);
  });

  it('names a folder that is neither a run nor holds runs', async () => {
    writeJson(path.join(cwd, 'empty', 'sub', 'x.json'), {});
    const empty = await runCli(['report', 'empty'], cwd);
    expect(empty.code).toBe(1);
    expect(empty.stderr).toBe(`precond: ${path.join(cwd, 'empty')} is not a run folder (no run.json) and holds no run folders\n`);
    const missing = await runCli(['report', 'nowhere'], cwd);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toBe(`precond: no such folder: ${path.join(cwd, 'nowhere')}\n`);
    expect(existsSync(path.join(cwd, 'empty', 'report.html'))).toBe(false);
  });
});
