import * as tf from '@tensorflow/tfjs-core';
import { MODEL_FACTORY, resolve, TASK, type Dataset, type DependencyContainer, type Model, type PluginInstance, type Rng, type Task, type TaskData } from '@precond/core';
import { firstBitDifference } from '../compare/compare.js';
import { conformanceContainer, registerPlugin } from '../plugin/plugin-source.js';

/** A run container with a task registered in it, as the runner composes one. */
export interface TaskRun {
  readonly container: DependencyContainer;
  /** The run's root RNG (the task's data comes from its `data` fork, the model's from `model`). */
  readonly rng: Rng;
  readonly task: Task;
}

export function composeTaskRun(plugin: PluginInstance, seed: number, steps = 1): TaskRun {
  const { container, rng } = conformanceContainer(seed, steps, 'conformance');
  registerPlugin(container, plugin, 'task');
  return { container, rng, task: resolve(container, TASK) };
}

/** The task's data, made from the `data` fork of the root RNG as the runner makes it. */
export function makeTaskData(run: TaskRun): TaskData {
  return run.task.makeData(run.rng.fork('data'));
}

/** Register a model plugin in the run and create its model from the `model` fork, as the runner does. */
export function buildModel(run: TaskRun, plugin: PluginInstance): Model {
  registerPlugin(run.container, plugin, 'model');
  return resolve(run.container, MODEL_FACTORY).create({
    rng: run.rng.fork('model'),
    inputSize: run.task.inputSize,
    outputSize: run.task.outputSize,
  });
}

export function disposeTaskData(data: TaskData | undefined): void {
  for (const ds of [data?.train, data?.test]) {
    if (!ds) continue;
    for (const t of [ds.x, ds.y]) if (t instanceof tf.Tensor) t.dispose();
  }
}

/** A dataset read back from the device. */
export interface DatasetValues {
  readonly x: { shape: readonly number[]; values: Float32Array };
  readonly y: { shape: readonly number[]; values: Float32Array };
}

export async function readDataset(ds: Dataset): Promise<DatasetValues> {
  const read = async (t: tf.Tensor) => ({ shape: [...t.shape], values: Float32Array.from((await t.data()) as Float32Array) });
  return { x: await read(ds.x), y: await read(ds.y) };
}

/** Where two datasets first differ (shape or bits), or null. */
export function datasetDifference(a: DatasetValues, b: DatasetValues): string | null {
  for (const part of ['x', 'y'] as const) {
    if (a[part].shape.join('x') !== b[part].shape.join('x')) return `${part} has shape [${a[part].shape.join(', ')}] vs [${b[part].shape.join(', ')}]`;
    const i = firstBitDifference(a[part].values, b[part].values);
    if (i >= 0) return `${part} element ${i} is ${a[part].values[i]} vs ${b[part].values[i]}`;
  }
  return null;
}
