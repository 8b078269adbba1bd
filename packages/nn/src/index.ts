/**
 * @precond/nn: layers, activations and initialisers written on functional tfjs ops, and the `mlp`
 * model plugin. Layers are pure `forward(params, input)` maps over parameter specs, so models can
 * evaluate live, trial and perturbed weights alike and per-layer curvature can walk them.
 */
export * from './activation.js';
export * from './initializer.js';
export * from './layers/layer.js';
export * from './layers/dense.js';
export * from './layers/scale.js';
export * from './sequential-model.js';
export * from './mlp.js';
export * from './mlp-plugin.js';
