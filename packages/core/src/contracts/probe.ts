import type { State } from '../state/state.js';
import type { When } from '../schedules/when.js';
import type { CurvatureContext } from './curvature.js';
import type { Model } from './model.js';
import type { Metrics, Task, TaskData } from './task.js';

/** What a probe sees when it observes a step. It must not change training. */
export interface ProbeContext {
  readonly step: number;
  readonly model: Model;
  readonly task: Task;
  readonly data: TaskData;
  /** Curvature of the training batch at this step (shared with the optimizer when it built it). */
  curvature(): CurvatureContext;
}

/**
 * Observes training on its own schedule and returns named numbers or arrays, logged as
 * `<probe id>.<name>`. Registered by a probe plugin under the PROBE multi-token.
 */
export interface Probe {
  /** The prefix of its metrics and its key in checkpoints; unique within a run (usually the plugin id). */
  readonly id: string;
  /** When it observes (step 0 is always observed). */
  readonly schedule: When;
  /** Called at step 0, before `observe`, with the initial model. */
  init(ctx: ProbeContext): Promise<void>;
  observe(ctx: ProbeContext): Promise<Metrics>;
  getState(): State;
  setState(state: State): void;
  dispose(): void;
}
