// Tests spawn the built command (`node dist/bin.js`), as a user runs it, so the CLI is compiled
// first; the packages it imports at run time are compiled too when their dist is missing.
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const cliRoot = path.resolve(fileURLToPath(new URL('.', import.meta.url)), '../..');
const tsc = createRequire(path.join(cliRoot, 'package.json')).resolve('typescript/bin/tsc');

/** Dependencies in build order (each only needs the ones before it). */
const DEPENDENCIES = ['core', 'nn', 'optimizer-first-order', 'task-fourier-target', 'report', 'runtime-node'];

function build(dir: string): void {
  execFileSync(process.execPath, [tsc, '-p', 'tsconfig.build.json'], { cwd: dir, stdio: 'inherit' });
}

export default function setup(): void {
  for (const name of DEPENDENCIES) {
    const dir = path.join(cliRoot, 'node_modules', '@precond', name);
    if (!existsSync(path.join(dir, 'dist', 'index.js'))) build(dir);
  }
  build(cliRoot);
}
