import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { main } from '../main.js';
import { makeTempDir, removeDir } from '../test-support/cli.js';

let dir: string;
beforeAll(() => {
  dir = makeTempDir('bench');
});
afterAll(() => removeDir(dir));

function collector() {
  const out = { text: '', write: (s: string) => void (out.text += s) };
  return out;
}

describe('precond bench', () => {
  it('says where it looked when there is no harness', async () => {
    const stderr = collector();
    const outside = path.join(dir, 'outside');
    mkdirSync(outside, { recursive: true });
    // The temp dir lives inside this checkout (.tmp), so walk from a folder that has no tools/ above
    // it within the search: a fake root with an unbuilt harness stops the walk first.
    mkdirSync(path.join(outside, 'tools', 'bench'), { recursive: true });
    writeFileSync(path.join(outside, 'tools', 'bench', 'package.json'), '{}');
    expect(await main(['bench'], { cwd: outside, stdout: collector(), stderr })).toBe(1);
    expect(stderr.text).toContain(`${path.join(outside, 'tools', 'bench')} is not built`);
  });

  it("runs the built harness with the arguments given, and passes on its exit code", async () => {
    const root = path.join(dir, 'fake');
    mkdirSync(path.join(root, 'tools', 'bench', 'dist'), { recursive: true });
    writeFileSync(path.join(root, 'tools', 'bench', 'dist', 'main.js'), 'console.log(JSON.stringify(process.argv.slice(2))); process.exit(3);\n');
    const stdout = collector();
    expect(await main(['bench', '--cases', 'e1/lm', '--steps', '5'], { cwd: root, stdout, stderr: collector() })).toBe(3);
    expect(JSON.parse(stdout.text)).toEqual(['--cases', 'e1/lm', '--steps', '5']);
  });
});
