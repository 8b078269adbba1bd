import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import path from 'node:path';
import type { CliContext } from '../context.js';
import { CliError } from '../errors.js';

/**
 * `precond bench [args...]`: run the benchmark harness of the precond workspace this command is
 * started in (tools/bench, built), passing the arguments on. The harness times every optimizer and
 * probe per backend beside the NumPy peer; it lives in the workspace, not in the published CLI,
 * because its cases import every plugin and the peer sits beside the checkout.
 */
export async function benchCommand(args: readonly string[], ctx: CliContext): Promise<number> {
  let harness: string | undefined;
  for (let dir = path.resolve(ctx.cwd); ; dir = path.dirname(dir)) {
    const candidate = path.join(dir, 'tools', 'bench', 'dist', 'main.js');
    if (existsSync(candidate)) {
      harness = candidate;
      break;
    }
    if (existsSync(path.join(dir, 'tools', 'bench', 'package.json'))) {
      throw new CliError('not-built', `${path.join(dir, 'tools', 'bench')} is not built: run \`pnpm exec nx run @precond/bench:build\` first`);
    }
    if (path.dirname(dir) === dir) break;
  }
  if (!harness) {
    throw new CliError('not-found', `precond bench runs the benchmark harness of a precond checkout (tools/bench); none was found in ${ctx.cwd} or above`);
  }
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [harness!, ...args], { cwd: ctx.cwd, env: ctx.env, stdio: ['ignore', 'pipe', 'pipe'] });
    child.stdout.on('data', (d) => ctx.stdout.write(String(d)));
    child.stderr.on('data', (d) => ctx.stderr.write(String(d)));
    child.on('close', (code) => resolve(code ?? 1));
  });
}
