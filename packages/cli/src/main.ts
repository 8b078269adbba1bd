import { Command, CommanderError, Option } from 'commander';
import type { CliContext, Output } from './context.js';
import { formatError } from './errors.js';
import { BACKEND_REQUESTS, collect } from './flags.js';
import { CLI_VERSION } from './version.js';

/** Where `main` reads and writes; each defaults to the process's own. */
export interface MainOptions {
  readonly cwd?: string;
  readonly stdout?: Output;
  readonly stderr?: Output;
  readonly env?: NodeJS.ProcessEnv;
}

const backendOption = (description: string) => new Option('--backend <name>', description).choices(BACKEND_REQUESTS);
const pluginOption = () =>
  new Option('--plugin <module>', 'load more plugins from a module (a file or a package) that default-exports a plugin factory or an array of them; repeatable')
    .argParser(collect);

/**
 * The command tree. Each action imports its module when it runs: tfjs, its backends and the
 * report renderer take most of a second to load, which `--help` and `list` should not pay.
 */
function program(ctx: CliContext, done: (code: number) => void): Command {
  const root = new Command('precond')
    .description('Run preconditioned gradient descent experiments on TensorFlow.js and report on them.')
    .version(CLI_VERSION, '-V, --version')
    .exitOverride()
    .configureOutput({
      writeOut: (s) => void ctx.stdout.write(s),
      writeErr: (s) => void ctx.stderr.write(s),
      outputError: (s, write) => write(`precond: ${s.replace(/^error: /, '')}`),
    })
    .showSuggestionAfterError(true);

  root
    .command('run')
    .description('run the variants × seeds of an experiment, each into its own run folder')
    .argument('<experiment>', 'an experiment folder (holding experiment.ts, .js or .json) or file')
    .option('--variant <name>', "variant to run: a name, names separated by commas, or 'all'", 'all')
    .option('--seeds <list>', "comma-separated seeds, e.g. 0,1,2 (default: the experiment's settings.seeds)")
    .option('--steps <n>', 'optimisation steps (overrides settings.steps)')
    .addOption(new Option('--set <path=value>', 'override an option or setting, e.g. optimizer.lr=0.1; the value is JSON if it parses, else a string; repeatable').argParser(collect))
    .addOption(backendOption('tfjs backend; auto picks the fastest that works').default('auto'))
    .option('--out <dir>', 'run store root: runs go to <dir>/<experiment>/<variant>-s<seed>-<time>/', 'runs')
    .option('--checkpoint-every <n>', 'write a checkpoint every n steps (overrides settings.checkpointEvery)')
    .option('--no-report', 'do not write report.html files after the runs')
    .addOption(pluginOption())
    .option('--jobs <n>', 'runs at a time, each in its own worker process (default: the CPU cores, at most the number of runs; 1 runs them one after another in this process)')
    .action(async (target: string, flags) => done(await (await import('./commands/run.js')).runCommand(target, flags, ctx)));

  root
    .command('resume')
    .description('continue an interrupted run from its last checkpoint')
    .argument('<run-dir>', 'the run folder (holding run.json)')
    .addOption(backendOption('backend to continue on (default: the one recorded in run.json)'))
    .option('--no-report', 'do not write report.html after the run')
    .addOption(pluginOption())
    .action(async (dir: string, flags) => done(await (await import('./commands/resume.js')).resumeCommand(dir, flags, ctx)));

  root
    .command('report')
    .description('write one HTML report over run folders (or folders of run folders)')
    .argument('<run-dir...>', 'run folders, experiment folders under runs/, or a run store root')
    .option('--out <file>', 'where to write the report (default: inside the folder when one is given, else ./report.html)')
    .option('--title <text>', 'page title (default: the experiment names)')
    .action(async (dirs: string[], flags) => done(await (await import('./commands/report.js')).reportCommand(dirs, flags, ctx)));

  root
    .command('list')
    .description('list the plugins known by id, or the experiments of this workspace')
    .argument('[what]', 'plugins or experiments', 'plugins')
    .addOption(pluginOption())
    .action(async (what: string, flags) => done(await (await import('./commands/list.js')).listCommand(what, flags, ctx)));

  root
    .command('bench')
    .description("run this workspace's benchmark harness (tools/bench): seconds per step per backend beside the NumPy peer")
    .allowUnknownOption()
    .helpOption(false)
    .argument('[args...]', 'passed to the harness: --backends cpu,wasm --cases e1/adam --steps N --json FILE')
    .action(async (args: string[]) => done(await (await import('./commands/bench.js')).benchCommand(args, ctx)));

  return root;
}

/**
 * Run the `precond` command with `argv` (the arguments after the command name) and return its exit
 * code: 0 success, 1 an error or a failed run, 130 interrupted. Errors are printed as one
 * `precond: <message>` line on stderr; the stack only with PRECOND_DEBUG=1.
 *
 * @example
 *   const code = await main(['run', 'experiments/spectral-bias', '--steps', '100']);
 */
export async function main(argv: readonly string[], options: MainOptions = {}): Promise<number> {
  const ctx: CliContext = {
    cwd: options.cwd ?? process.cwd(),
    stdout: options.stdout ?? process.stdout,
    stderr: options.stderr ?? process.stderr,
    env: options.env ?? process.env,
  };
  let code = 0;
  try {
    await program(ctx, (c) => (code = c)).parseAsync([...argv], { from: 'user' });
    return code;
  } catch (error) {
    // Commander has printed its own message (usage errors) or the help/version text already.
    if (error instanceof CommanderError) return error.exitCode;
    ctx.stderr.write(formatError(error, ctx.env));
    return 1;
  }
}
