import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { main } from '../main.js';
import { makeTempDir, removeDir, runCli, tinyExperiment, writeJson } from '../test-support/cli.js';

let dir: string;
beforeAll(() => {
  dir = makeTempDir('list');
});
afterAll(() => removeDir(dir));

function collector() {
  const out = { text: '', write: (s: string) => void (out.text += s) };
  return out;
}

describe('precond list', () => {
  it('lists the built-in plugins with id, kind, package, version and description', async () => {
    const stdout = collector();
    const stderr = collector();
    expect(await main(['list', 'plugins'], { cwd: dir, stdout, stderr })).toBe(0);
    expect(stderr.text).toBe('');
    const lines = stdout.text.trimEnd().split('\n');
    expect(lines[0]).toMatch(/^ID\s+KIND\s+PACKAGE\s+VERSION\s+DESCRIPTION$/);
    // Grouped by kind in composition order (task, model, optimizer, ...), then by id.
    expect(lines.slice(1).map((l) => l.split(/\s+/).slice(0, 3).join(' '))).toEqual([
      'fourier-target task @precond/task-fourier-target',
      'modular-addition task @precond/task-modular-addition',
      'mlp model @precond/nn',
      'transformer model @precond/nn',
      'adam optimizer @precond/optimizer-first-order',
      'adamw optimizer @precond/optimizer-first-order',
      'ggn optimizer @precond/optimizer-gauss-newton',
      'gn optimizer @precond/optimizer-gauss-newton',
      'hybrid optimizer @precond/optimizer-gauss-newton',
      'lm optimizer @precond/optimizer-gauss-newton',
      'momentum optimizer @precond/optimizer-first-order',
      'sgd optimizer @precond/optimizer-first-order',
      'kfac preconditioner @precond/preconditioner-kfac',
      'shampoo preconditioner @precond/preconditioner-shampoo',
      'ntk probe @precond/probe-ntk',
    ]);
    expect(stdout.text).toContain('gradient descent');
  });

  it('rejects an unknown subject', async () => {
    const stderr = collector();
    expect(await main(['list', 'optimizers'], { cwd: dir, stdout: collector(), stderr })).toBe(1);
    expect(stderr.text).toBe("precond: list: unknown subject 'optimizers'; choose plugins or experiments\n");
  });

  it('finds experiments/*/experiment.* from a folder below the workspace root, with their variants', async () => {
    const root = path.join(dir, 'workspace');
    writeJson(path.join(root, 'experiments', 'json-one', 'experiment.json'), {
      ...tinyExperiment({ name: 'json-one', description: 'a JSON experiment' }),
      variants: { sgd: { optimizer: { plugin: 'sgd' } }, adam: { optimizer: { plugin: 'adam' } } },
    });
    mkdirSync(path.join(root, 'experiments', 'ts-two'), { recursive: true });
    writeFileSync(
      path.join(root, 'experiments', 'ts-two', 'experiment.ts'),
      [
        "import { defineExperiment } from '@precond/core';",
        "import { momentum } from '@precond/optimizer-first-order';",
        "import { fourierTarget } from '@precond/task-fourier-target';",
        "export default defineExperiment({ name: 'ts-two', task: fourierTarget(), settings: { steps: 5 }, variants: { heavy: { optimizer: momentum() } } });",
        '',
      ].join('\n'),
    );
    mkdirSync(path.join(root, 'experiments', 'no-file'), { recursive: true });
    mkdirSync(path.join(root, 'deep', 'below'), { recursive: true });
    const result = await runCli(['list', 'experiments'], path.join(root, 'deep', 'below'));
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    const lines = result.stdout.trimEnd().split('\n').map((l) => l.split(/\s{2,}/));
    expect(lines).toEqual([
      ['EXPERIMENT', 'VARIANTS', 'FILE', 'DESCRIPTION'],
      ['json-one', 'sgd, adam', 'experiments/json-one/experiment.json', 'a JSON experiment'],
      ['ts-two', 'heavy', 'experiments/ts-two/experiment.ts'],
    ]);
  });

  it('still lists the other experiments when one cannot be loaded, and exits 1', async () => {
    const root = path.join(dir, 'broken');
    writeJson(path.join(root, 'experiments', 'good', 'experiment.json'), tinyExperiment({ name: 'good' }));
    writeJson(path.join(root, 'experiments', 'bad', 'experiment.json'), tinyExperiment({ name: 'bad', model: { plugin: 'cnn' } }));
    const result = await runCli(['list', 'experiments'], root);
    expect(result.code).toBe(1);
    expect(result.stderr).toBe(
      `precond: ${path.join(root, 'experiments/bad/experiment.json')}: model: unknown model plugin 'cnn'; the known ones are: mlp, transformer\n`,
    );
    expect(result.stdout.trimEnd().split('\n').map((l) => l.split(/\s{2,}/))).toEqual([
      ['EXPERIMENT', 'VARIANTS', 'FILE', 'DESCRIPTION'],
      ['bad', '-', 'experiments/bad/experiment.json', 'cannot be loaded (see above)'],
      ['good', 'sgd', 'experiments/good/experiment.json'],
    ]);
  });
});
