// The page: experiment and option forms, the run worker, live plots, and run records in and out.
import { MemoryRunStore, type RunRecord } from '@precond/core';
import { loadRun, renderReport, type LoadedRun } from '@precond/report';
import { exportRunFiles, groupRunFiles, runFolderName, writeRunFiles, writeTar, type BrowserBackendInfo, type BrowserBackendRequest, type TarEntry } from '@precond/runtime-browser';
import { CATALOG, catalogEntry, DEFAULT_CHOICES, type BuildChoices } from './experiments/catalog.js';
import { renderSlot, type RenderedSlot } from './form/render-form.js';
import { parseNumber } from './form/form-values.js';
import { collectOverrides, variantForms } from './form/slots.js';
import { playgroundFigures } from './plots/figures.js';
import { LivePlots } from './plots/live-plots.js';
import { canSaveFolders, downloadBytes, filesFromPicker, saveToPickedFolder } from './records/transfer.js';
import type { FromWorker, RunEnd, ToWorker } from './run/protocol.js';

const $ = <T extends HTMLElement>(id: string) => {
  const el = document.getElementById(id);
  if (!el) throw new Error(`the page has no #${id}`);
  return el as T;
};
const ui = {
  form: $<HTMLFormElement>('run-form'),
  experiment: $<HTMLSelectElement>('experiment'),
  variant: $<HTMLSelectElement>('variant'),
  variantDescription: $<HTMLParagraphElement>('variant-description'),
  seed: $<HTMLInputElement>('seed'),
  backend: $<HTMLSelectElement>('backend'),
  ntk: $<HTMLInputElement>('ntk'),
  forms: $<HTMLDivElement>('option-forms'),
  formErrors: $<HTMLUListElement>('form-errors'),
  run: $<HTMLButtonElement>('run'),
  stop: $<HTMLButtonElement>('stop'),
  resume: $<HTMLButtonElement>('resume'),
  reset: $<HTMLButtonElement>('reset'),
  status: $<HTMLParagraphElement>('status'),
  factBackend: $<HTMLElement>('fact-backend'),
  factLocation: $<HTMLElement>('fact-location'),
  factRate: $<HTMLElement>('fact-rate'),
  factLoss: $<HTMLElement>('fact-loss'),
  factOverrides: $<HTMLElement>('fact-overrides'),
  figures: $<HTMLDivElement>('figures'),
  plotsNote: $<HTMLParagraphElement>('plots-note'),
  runs: $<HTMLSelectElement>('runs'),
  exportTar: $<HTMLButtonElement>('export-tar'),
  exportFolder: $<HTMLButtonElement>('export-folder'),
  importFiles: $<HTMLInputElement>('import-files'),
  importFolder: $<HTMLInputElement>('import-folder'),
};

/** A run the page can show: one of this tab's (its files live in the worker) or an imported one. */
interface ViewedRun {
  readonly location: string;
  record: RunRecord | null;
  rows: Array<Record<string, unknown>>;
  readonly source: 'tab' | 'imported';
  /** Imported runs keep their files here, for export. */
  readonly folder?: Awaited<ReturnType<MemoryRunStore['open']>>;
}
const runs = new Map<string, ViewedRun>();
const importStore = new MemoryRunStore();
const plots = new LivePlots(ui.figures);
let viewing: string | null = null;
/** The run the worker is on: its rows arrive as events. */
let active: string | null = null;
let running = false;
let interrupted: string | null = null;
let slots: RenderedSlot[] = [];

// ---------------------------------------------------------------- forms

function choices(): BuildChoices {
  return { ...DEFAULT_CHOICES, ntk: ui.ntk.checked };
}

function fillExperiments(): void {
  ui.experiment.replaceChildren(...Object.values(CATALOG).map((e) => new Option(e.title, e.id)));
}

function fillVariants(): void {
  const spec = catalogEntry(ui.experiment.value).build(choices());
  const previous = ui.variant.value;
  ui.variant.replaceChildren(...Object.keys(spec.variants).map((v) => new Option(v, v)));
  if (previous in spec.variants) ui.variant.value = previous;
}

/** Build the option forms of the chosen experiment and variant, keeping what the user typed where the slot is the same. */
function buildForms(keepValues: boolean): void {
  const spec = catalogEntry(ui.experiment.value).build(choices());
  const variant = spec.variants[ui.variant.value];
  ui.variantDescription.textContent = variant?.description ?? '';
  const before = new Map(keepValues ? slots.map((s) => [s.form.title, s.read().value] as const) : []);
  slots = variantForms(spec, ui.variant.value).map((form) => renderSlot(form, before.get(form.title) ?? form.initial));
  ui.forms.replaceChildren(...slots.map((s) => s.element));
  ui.formErrors.replaceChildren();
}

/** The overrides of the forms, or null (with the problems shown) when a value is not valid. */
function readOverrides(): Record<string, unknown> | null {
  const values = new Map<string, Record<string, unknown>>();
  let problems = 0;
  for (const slot of slots) {
    const { value, issues } = slot.read();
    values.set(slot.form.slot, value);
    problems += issues.length;
  }
  ui.formErrors.replaceChildren();
  const seed = parseNumber(ui.seed.value, { integer: true });
  // Seeds are unsigned 32-bit integers, as run settings' `seeds` allow.
  if (!seed.ok || seed.value < 0 || seed.value > 0xffffffff) {
    ui.formErrors.append(Object.assign(document.createElement('li'), { textContent: `seed: ${seed.ok ? 'must be an integer from 0 to 4294967295' : seed.message}` }));
    problems++;
  }
  if (problems > 0) {
    ui.formErrors.prepend(Object.assign(document.createElement('li'), { textContent: `${problems} option(s) need fixing before the run can start (marked in the form).` }));
    return null;
  }
  return collectOverrides(
    slots.map((s) => s.form),
    values,
  );
}

// ---------------------------------------------------------------- the run worker

const worker = new Worker(new URL('./run/run-worker.ts', import.meta.url), { type: 'module' });
const send = (message: ToWorker) => worker.postMessage(message);
const pendingExports = new Map<number, { resolve: (files: readonly TarEntry[]) => void; reject: (e: Error) => void }>();
let nextExportId = 1;

worker.addEventListener('error', (event) => {
  console.error(`run worker: ${event.message}`);
  setStatus('error', `The run worker failed: ${event.message}`);
  setRunning(false);
});

worker.addEventListener('message', (event: MessageEvent<FromWorker>) => {
  const message = event.data;
  switch (message.type) {
    case 'backend':
      showBackend(message.info);
      break;
    case 'event': {
      const e = message.event;
      if (e.type === 'start') {
        const existing = runs.get(e.location);
        // A resume rewrites the rows from its checkpoint on.
        const rows = existing ? existing.rows.filter((r) => (r.step as number) < e.startStep) : [];
        runs.set(e.location, { location: e.location, record: existing?.record ?? null, rows, source: 'tab' });
        active = e.location;
        listRuns(e.location);
        view(e.location);
        ui.factLocation.textContent = e.location;
        setStatus('running', `Running ${e.experiment}/${e.variant}, seed ${e.seed}, from step ${e.startStep} of ${e.steps}.`, e.startStep);
      } else if (e.type === 'step') {
        if (e.step % 5 === 0 || e.step === e.steps) setStatus('running', `Step ${e.step} of ${e.steps}, loss ${e.loss.toExponential(3)}.`, e.step);
      } else if (e.type === 'row') {
        const run = active ? runs.get(active) : undefined;
        run?.rows.push(e.row);
        if (active === viewing) schedulePlots();
      }
      break;
    }
    case 'record': {
      const run = runs.get(message.location);
      if (run) run.record = message.record;
      showRate(message.record);
      if (message.location === viewing) schedulePlots();
      break;
    }
    case 'done':
      finished(message.end);
      break;
    case 'files':
      pendingExports.get(message.id)?.resolve(message.files);
      pendingExports.delete(message.id);
      break;
    case 'error': {
      const pending = message.id === undefined ? undefined : pendingExports.get(message.id);
      if (pending && message.id !== undefined) {
        pendingExports.delete(message.id);
        pending.reject(new Error(message.message));
        break;
      }
      console.error(`run worker: ${message.message}`);
      setStatus('error', message.message);
      setRunning(false);
      break;
    }
  }
});

function finished(end: RunEnd): void {
  setRunning(false);
  interrupted = end.status === 'interrupted' ? end.location : null;
  ui.resume.disabled = interrupted === null;
  const run = runs.get(end.location);
  const rate = run?.record?.timing.s_per_step ? ` (${(1 / run.record.timing.s_per_step).toFixed(1)} steps/s)` : '';
  const text =
    end.status === 'completed'
      ? `Completed: ${end.step} steps${rate}.`
      : end.status === 'interrupted'
        ? `Interrupted at step ${end.step}; the checkpoint is saved, Resume continues from it.`
        : `Failed at step ${end.step}: ${end.error ?? 'unknown error'}`;
  setStatus(end.status, text, end.step);
  if (end.status === 'failed') console.error(`run ${end.location} failed: ${end.error ?? 'unknown error'}`);
  void drawPlots();
}

function setRunning(on: boolean): void {
  running = on;
  ui.run.disabled = on;
  ui.stop.disabled = !on;
  ui.resume.disabled = on || interrupted === null;
  ui.experiment.disabled = on;
  ui.variant.disabled = on;
  updateExportButtons();
}

function setStatus(state: string, text: string, step?: number): void {
  ui.status.dataset.state = state;
  if (step !== undefined) ui.status.dataset.step = String(step);
  ui.status.textContent = text;
}

function showBackend(info: BrowserBackendInfo): void {
  ui.factBackend.dataset.name = info.name;
  const others = info.candidates.filter((c) => c.name !== info.name && c.reason).map((c) => `${c.name}: ${c.reason}`);
  ui.factBackend.textContent = `${info.name} ${info.version}${info.device ? ` on ${info.device}` : ''}`;
  ui.factBackend.title = others.join('\n');
}

function showRate(record: RunRecord): void {
  const s = record.timing.s_per_step;
  ui.factRate.textContent = s ? `${(1 / s).toFixed(2)} steps/s (${(s * 1000).toFixed(1)} ms per step, first step excluded)` : 'n/a';
  if (s) ui.factRate.dataset.stepsPerSecond = String(1 / s);
}

// ---------------------------------------------------------------- plots

let plotTimer: ReturnType<typeof setTimeout> | null = null;
/** Redraw at most a few times a second while rows arrive. */
function schedulePlots(): void {
  if (plotTimer !== null) return;
  plotTimer = setTimeout(() => {
    plotTimer = null;
    void drawPlots();
  }, 300);
}

async function drawPlots(): Promise<void> {
  const run = viewing ? runs.get(viewing) : undefined;
  if (!run?.record || run.rows.length === 0) {
    await plots.clear();
    return;
  }
  const loaded: LoadedRun = { location: run.location, record: run.record, rows: run.rows };
  const rows = run.rows.length;
  await plots.show(playgroundFigures([loaded]));
  ui.plotsNote.textContent = `${run.location}: ${rows} logged row(s), last at step ${String(run.rows[rows - 1]!.step)}.`;
  ui.figures.dataset.rows = String(rows);
  ui.figures.dataset.location = run.location;
  const last = [...run.rows].reverse().find((r) => typeof r.loss === 'number');
  if (last) {
    ui.factLoss.textContent = `${(last.loss as number).toExponential(5)} at step ${String(last.step)}`;
    ui.factLoss.dataset.loss = String(last.loss);
    ui.factLoss.dataset.step = String(last.step);
  }
}

function view(location: string): void {
  viewing = location;
  ui.runs.value = location;
  updateExportButtons();
  void drawPlots();
}

function listRuns(select?: string): void {
  ui.runs.replaceChildren(...[...runs.values()].map((r) => new Option(r.source === 'imported' ? `${r.location} (imported)` : r.location, r.location)));
  ui.runs.disabled = runs.size === 0;
  if (select) ui.runs.value = select;
}

// ---------------------------------------------------------------- export and import

function updateExportButtons(): void {
  const run = viewing ? runs.get(viewing) : undefined;
  // The run in progress is exported once it stops: until then its record is not final.
  const ready = run !== undefined && !(running && run.location === active);
  ui.exportTar.disabled = !ready;
  ui.exportFolder.hidden = !canSaveFolders();
  ui.exportFolder.disabled = !ready;
}

async function runFiles(run: ViewedRun): Promise<TarEntry[]> {
  let files: TarEntry[];
  if (run.folder) {
    files = await exportRunFiles(run.folder);
  } else {
    const id = nextExportId++;
    const received = new Promise<readonly TarEntry[]>((resolve, reject) => pendingExports.set(id, { resolve, reject }));
    send({ type: 'export', location: run.location, id });
    files = [...(await received)];
  }
  // A report of the run goes with it, as `precond run` writes one into each run folder.
  if (run.record && !files.some((f) => f.path.endsWith('/report.html'))) {
    const html = await renderReport([{ location: run.location, record: run.record, rows: run.rows }]);
    files.push({ path: `${runFolderName(run.location)}/report.html`, data: new TextEncoder().encode(html) });
  }
  return files;
}

async function exportAs(kind: 'tar' | 'folder'): Promise<void> {
  const run = viewing ? runs.get(viewing) : undefined;
  if (!run) return;
  try {
    const files = await runFiles(run);
    if (kind === 'tar') {
      downloadBytes(writeTar(files), `${runFolderName(run.location)}.tar`, 'application/x-tar');
      setStatus(ui.status.dataset.state ?? 'idle', `Exported ${files.length} files of ${run.location} as ${runFolderName(run.location)}.tar.`);
    } else if (await saveToPickedFolder(files)) {
      setStatus(ui.status.dataset.state ?? 'idle', `Saved ${files.length} files of ${run.location} into the folder you picked.`);
    }
  } catch (e) {
    console.error(`export failed: ${(e as Error).message}`);
    setStatus('error', `Export failed: ${(e as Error).message}`);
  }
}

async function importPicked(list: FileList | null): Promise<void> {
  if (!list || list.length === 0) return;
  try {
    const groups = groupRunFiles(await filesFromPicker(list));
    let last = '';
    for (const group of groups) {
      const name = group.root.split('/').pop() || 'run';
      let location = `imported/${name}`;
      for (let i = 2; runs.has(location); i++) location = `imported/${name}-${i}`;
      const folder = await writeRunFiles(importStore, location, group.files);
      const loaded = await loadRun(folder);
      runs.set(location, { location, record: loaded.record, rows: [...loaded.rows], source: 'imported', folder });
      last = location;
    }
    listRuns(last);
    view(last);
    setStatus(ui.status.dataset.state ?? 'idle', `Opened ${groups.length} run(s): ${groups.map((g) => g.root || 'run').join(', ')}.`);
  } catch (e) {
    console.error(`import failed: ${(e as Error).message}`);
    setStatus('error', `Import failed: ${(e as Error).message}`);
  }
}

// ---------------------------------------------------------------- wiring

ui.experiment.addEventListener('change', () => {
  fillVariants();
  buildForms(false);
});
ui.variant.addEventListener('change', () => buildForms(true));
ui.ntk.addEventListener('change', () => buildForms(true));
ui.reset.addEventListener('click', () => buildForms(false));
ui.form.addEventListener('submit', (event) => {
  event.preventDefault();
  if (running) return;
  const overrides = readOverrides();
  if (overrides === null) return;
  ui.factOverrides.textContent = Object.keys(overrides).length === 0 ? 'none' : Object.entries(overrides).map(([k, v]) => `--set ${k}=${JSON.stringify(v)}`).join(' ');
  interrupted = null;
  setRunning(true);
  setStatus('selecting', 'Choosing the backend and checking it against cpu…', 0);
  send({
    type: 'start',
    experiment: ui.experiment.value,
    choices: choices(),
    variant: ui.variant.value,
    seed: Number(ui.seed.value),
    overrides,
    backend: ui.backend.value as BrowserBackendRequest,
  });
});
ui.stop.addEventListener('click', () => {
  send({ type: 'stop' });
  setStatus('stopping', 'Stopping after the current step…');
});
ui.resume.addEventListener('click', () => {
  if (!interrupted) return;
  setRunning(true);
  setStatus('selecting', `Resuming ${interrupted}…`);
  send({ type: 'resume', location: interrupted, backend: ui.backend.value as BrowserBackendRequest });
});
ui.runs.addEventListener('change', () => view(ui.runs.value));
ui.exportTar.addEventListener('click', () => void exportAs('tar'));
ui.exportFolder.addEventListener('click', () => void exportAs('folder'));
ui.importFiles.addEventListener('change', () => void importPicked(ui.importFiles.files));
ui.importFolder.addEventListener('change', () => void importPicked(ui.importFolder.files));

fillExperiments();
fillVariants();
buildForms(false);
updateExportButtons();
document.body.dataset.ready = 'true';
