/**
 * @precond/nn: layers, activations and initialisers written on functional tfjs ops, and the `mlp`
 * and `transformer` model plugins. Layers are pure `forward(params, input)` maps over parameter
 * specs, so models can evaluate live, trial and perturbed weights alike and per-layer curvature can
 * walk them; and the per-sample curvature engine: captures, Jacobians, J·v, Jᵀ·u, GGN·v, the
 * float64 NTK Gram, and the CurvatureContext both plugins provide.
 */
export * from './activation.js';
export * from './initializer.js';
export * from './layers/layer.js';
export * from './layers/dense.js';
export * from './layers/scale.js';
export * from './layers/embedding.js';
export * from './layers/position-embedding.js';
export * from './layers/layer-norm.js';
export * from './layers/causal-self-attention.js';
export * from './layers/tokenwise.js';
export * from './layers/residual.js';
export * from './layers/last-token.js';
export * from './sequential-model.js';
export * from './mlp.js';
export * from './mlp-plugin.js';
export * from './transformer.js';
export * from './transformer-plugin.js';
export * from './curvature/layer-curvature.js';
export { affineCurvature, rowOuterProducts } from './curvature/affine-rules.js';
export { curvatureOf, jvpByDoubleVjp } from './curvature/rules.js';
export * from './curvature/capture.js';
export * from './curvature/linearization.js';
export * from './curvature/jacobian.js';
export { addGram64, addAffineGram64, mirrorUpperTriangle } from './curvature/gram64.js';
export * from './curvature/output-hessian.js';
export * from './curvature/context.js';
