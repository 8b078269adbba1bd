import { fork, type ChildProcess } from 'node:child_process';
import { createRequire } from 'node:module';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { readRunRecord, type RunEnvironment, type RunEvent, type RunStatus } from '@precond/core';
import { FsRunStore } from '@precond/runtime-node';
import { CliError } from '../errors.js';
import type { BackendRequest } from '../flags.js';
import { writeSummary } from '../outputs.js';
import { isFromWorker, type FromWorker, type ToWorker, type WireError } from './protocol.js';

/** One (variant, seed) of the plan. */
export interface PlannedRun {
  readonly variant: string;
  readonly seed: number;
}

/** How a run handed to a worker ended, as the parent sees it. */
export interface WorkerRunResult {
  readonly status: RunStatus;
  /** The run folder; null when the run ended before its folder was created. */
  readonly location: string | null;
  readonly step: number;
  readonly error?: Error;
  /** Why summary.json or report.html could not be written, if so. */
  readonly outputError?: string;
}

export interface WorkerPoolOptions {
  /** Worker processes to start (at most one per run). */
  readonly jobs: number;
  readonly plan: readonly PlannedRun[];
  /** The experiment file (absolute) and what its plugins and relative paths resolve from. */
  readonly source: string;
  readonly cwd: string;
  readonly plugins: readonly string[];
  readonly backend: BackendRequest;
  readonly overrides: Record<string, unknown>;
  /** Run store root (absolute). */
  readonly out: string;
  /** Whether workers write each run's report.html. */
  readonly report: boolean;
  /** What the runs record besides the backend (computed while the workers start). */
  readonly environment: Promise<Omit<RunEnvironment, 'backend'>>;
  /** Aborted on Ctrl-C: the runs in progress checkpoint and end `interrupted`, no more start. */
  readonly signal: AbortSignal;
  /** Called once, with the first worker's `backend: ...` line. */
  readonly onReady: (notice: string) => void;
  /** The progress callback of run `index` of the plan. */
  readonly onEvent: (index: number) => (event: RunEvent) => void;
  /** Called as each run ends (in the order they end). */
  readonly onDone: (index: number, result: WorkerRunResult) => Promise<void>;
  /** Where what a worker prints goes (line by line). */
  readonly log: (text: string) => void;
}

/** What the pool did: one result per run of the plan that started, and how many never started. */
export interface WorkerPoolResult {
  readonly results: ReadonlyArray<WorkerRunResult | undefined>;
  readonly notStarted: number;
}

/** An error from a worker, rebuilt so `formatError` treats it as it would have in this process. */
export function fromWire(wire: WireError): Error {
  if (wire.user) return new CliError(wire.code ?? 'error', wire.message);
  const error = new Error(wire.message);
  error.name = wire.name;
  if (wire.stack) error.stack = wire.stack;
  return error;
}

/** The worker's entry file: the built one next to this file, or (running from sources) the .ts one. */
function workerEntry(): { file: string; execArgv: string[] } {
  const here = fileURLToPath(import.meta.url);
  if (here.endsWith('.ts')) {
    // Sources need tsx and the export condition that maps workspace packages to their sources.
    const tsx = pathToFileURL(createRequire(import.meta.url).resolve('tsx')).href;
    return { file: here.replace(/worker-pool\.ts$/, 'worker.ts'), execArgv: [...process.execArgv, '--conditions=@precond/source', '--import', tsx] };
  }
  return { file: here.replace(/worker-pool\.js$/, 'worker.js'), execArgv: process.execArgv };
}

interface Worker {
  readonly child: ChildProcess;
  readonly ready: Promise<void>;
  /** Plan index of the run in progress. */
  running: number | null;
  /** Its run folder and last step, once its start event arrived. */
  location: string | null;
  step: number;
  exited: boolean;
}

/**
 * Runs the plan in `jobs` worker processes (`precond run --jobs N`). Each worker loads the
 * experiment and selects the backend once, then takes runs from the plan in order until none are
 * left. A run that fails is reported and the others go on; a worker that dies takes its run down as
 * `failed` (its run.json says so) and is replaced while runs remain. An abort stops the runs in
 * progress, which checkpoint and end `interrupted`, and starts no more.
 */
export class WorkerPool {
  private readonly workers = new Set<Worker>();
  private readonly results: Array<WorkerRunResult | undefined>;
  private readonly entry = workerEntry();
  private next = 0;
  private noticeShown = false;
  private environment: Omit<RunEnvironment, 'backend'> | undefined;
  private pending: Array<Promise<void>> = [];
  private finished!: () => void;
  private failed!: (error: Error) => void;

  constructor(private readonly options: WorkerPoolOptions) {
    this.results = options.plan.map(() => undefined);
  }

  /** Run the plan; resolves when every worker has exited. Rejects when no worker could start (bad `--backend`, say). */
  async run(): Promise<WorkerPoolResult> {
    const { options } = this;
    const done = new Promise<void>((resolve, reject) => {
      this.finished = resolve;
      this.failed = reject;
    });
    const count = Math.max(1, Math.min(options.jobs, options.plan.length));
    const started = Array.from({ length: count }, () => this.start());
    const onAbort = () => this.interrupt();
    options.signal.addEventListener('abort', onAbort, { once: true });
    try {
      this.environment = await options.environment;
      // Wait for every worker: one that cannot load the experiment or the backend fails them all the same way.
      await Promise.all(started.map((w) => w.ready));
      for (const w of started) this.dispatch(w);
      await done;
      await Promise.all(this.pending);
    } catch (error) {
      this.kill();
      throw error;
    } finally {
      options.signal.removeEventListener('abort', onAbort);
    }
    return { results: this.results, notStarted: options.plan.length - this.next };
  }

  /** End every worker at once (a second Ctrl-C: the runs in progress keep their last checkpoint). */
  kill(): void {
    for (const w of this.workers) if (!w.exited) w.child.kill('SIGKILL');
  }

  private start(): Worker {
    const { options } = this;
    const child = fork(this.entry.file, [], {
      cwd: options.cwd,
      execArgv: this.entry.execArgv,
      stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
      serialization: 'json',
    });
    let becameReady!: () => void;
    let failedToStart!: (error: Error) => void;
    const worker: Worker = {
      child,
      ready: new Promise<void>((resolve, reject) => {
        becameReady = resolve;
        failedToStart = reject;
      }),
      running: null,
      location: null,
      step: 0,
      exited: false,
    };
    let isReady = false;
    // A rejection is handled by whoever awaits `ready`; this keeps an early one from being "unhandled".
    worker.ready.catch(() => {});
    this.workers.add(worker);
    for (const stream of [child.stdout!, child.stderr!]) {
      let partial = '';
      stream.setEncoding('utf8').on('data', (text: string) => {
        const lines = (partial + text).split('\n');
        partial = lines.pop()!;
        for (const line of lines) options.log(`${line}\n`);
      });
      stream.on('end', () => partial && options.log(`${partial}\n`));
    }
    child.on('message', (message: unknown) => {
      if (!isFromWorker(message)) return;
      this.receive(worker, message, () => {
        isReady = true;
        becameReady();
      }, failedToStart);
    });
    child.on('error', (error) => failedToStart(error));
    child.on('exit', (code, signal) => {
      worker.exited = true;
      this.workers.delete(worker);
      const how = signal ? `signal ${signal}` : `exit code ${code}`;
      if (!isReady) failedToStart(new Error(`a worker process ended before it was ready (${how})`));
      if (worker.running !== null) {
        const index = worker.running;
        worker.running = null;
        this.pending.push(this.lost(index, worker, `the worker process running it ended unexpectedly (${how})`));
      }
      // Runs are left and no one to take them (the dead worker's share): start a replacement.
      if (isReady && !options.signal.aborted && this.next < options.plan.length && this.workers.size < options.jobs) {
        const replacement = this.start();
        replacement.ready.then(() => this.dispatch(replacement), (error: Error) => this.failed(error));
      }
      if (this.workers.size === 0) this.finished();
    });
    const init: ToWorker = { type: 'init', source: options.source, cwd: options.cwd, plugins: options.plugins, backend: options.backend };
    child.send(init);
    return worker;
  }

  private receive(worker: Worker, message: FromWorker, ready: () => void, failedToStart: (error: Error) => void): void {
    const { options } = this;
    switch (message.type) {
      case 'ready':
        if (!this.noticeShown) options.onReady(message.notice);
        this.noticeShown = true;
        ready();
        break;
      case 'init-failed':
        failedToStart(fromWire(message.error));
        break;
      case 'event': {
        const { event } = message;
        if (event.type === 'start') worker.location = event.location;
        if (event.type === 'step' || event.type === 'end') worker.step = event.step;
        options.onEvent(message.index)(event);
        break;
      }
      case 'done':
      case 'crashed': {
        worker.running = null;
        worker.location = null;
        const result: WorkerRunResult =
          message.type === 'done'
            ? {
                status: message.status,
                location: message.location,
                step: message.step,
                ...(message.error ? { error: fromWire(message.error) } : {}),
                ...(message.outputError !== undefined ? { outputError: message.outputError } : {}),
              }
            : { status: 'failed', location: null, step: 0, error: fromWire(message.error) };
        this.results[message.index] = result;
        this.pending.push(options.onDone(message.index, result).then(() => this.dispatch(worker)));
        break;
      }
    }
  }

  /** Hand the worker the next run of the plan, or let it go when none is left or the user interrupted. */
  private dispatch(worker: Worker): void {
    if (worker.exited || !worker.child.connected) return;
    const { options } = this;
    if (options.signal.aborted || this.next >= options.plan.length) {
      worker.child.send({ type: 'exit' } satisfies ToWorker);
      return;
    }
    const index = this.next++;
    const { variant, seed } = options.plan[index]!;
    worker.running = index;
    worker.step = 0;
    worker.child.send({
      type: 'run',
      index,
      variant,
      seed,
      overrides: options.overrides,
      out: options.out,
      environment: this.environment!,
      report: options.report,
    } satisfies ToWorker);
  }

  private interrupt(): void {
    for (const w of this.workers) {
      if (w.exited || !w.child.connected) continue;
      // Idle workers leave; busy ones checkpoint their run and report it `interrupted`, then leave.
      if (w.running !== null) w.child.send({ type: 'interrupt' } satisfies ToWorker);
    }
  }

  /** A run whose worker died: mark its folder `failed` (when it has one) and report it. */
  private async lost(index: number, worker: Worker, message: string): Promise<void> {
    const error = new Error(message);
    const location = worker.location;
    if (location !== null) {
      try {
        const folder = await new FsRunStore(this.options.out).open(location);
        const record = await readRunRecord(folder);
        if (record.status === 'running') {
          record.status = 'failed';
          record.end_time = new Date().toISOString();
          record.step = worker.step;
          record.error = { code: 'worker-exit', message, step: worker.step };
          await folder.writeText('run.json', `${JSON.stringify(record, null, 2)}\n`);
        }
        await writeSummary(folder);
      } catch {
        // The folder is as the worker left it; the message below still names it.
      }
    }
    const result: WorkerRunResult = { status: 'failed', location, step: worker.step, error };
    this.results[index] = result;
    await this.options.onDone(index, result);
  }
}
