/** What a plugin may know about the run it is part of. */
export interface RunInfo {
  readonly experiment: string;
  readonly variant: string;
  readonly seed: number;
  /** Total number of optimisation steps of the run. */
  readonly steps: number;
}
