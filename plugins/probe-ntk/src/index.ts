/**
 * @precond/probe-ntk: the neural tangent kernel probe. On a probe set it forms `K = J Jᵀ` in
 * float64 and reports its eigenvalues, the error modes `|Qᵀe|`, the kernel distance from
 * initialisation, the kernel-target alignment, the relative parameter change and the weight norm.
 */
import { ntk } from './plugin.js';

export { ntk };
export { NtkProbe, type NtkProbeState } from './ntk-probe.js';
export { ntkOptions, probeSetSchema, ntkSchedule, DEFAULT_EVERY, type NtkOptions, type NtkOptionsInput, type ProbeSet } from './options.js';
export { ntkSpectrum, type NtkSpectrum, type NtkSpectrumOptions } from './ntk-spectrum.js';
export { leadingEigenvectors, type LeadingEigenvectorOptions, type LeadingEigenvectors } from './leading-eigenvectors.js';
export {
  errorModes,
  kernelDistance,
  kernelTargetAlignment,
  packedFrobeniusNorm,
  packedSize,
  packLowerTriangle,
  symmetricFrobeniusNorm,
  unpackSymmetric,
} from './kernel-measures.js';
export { parameterDistance, weightNorm } from './parameter-measures.js';
export { probeSetIndices } from './probe-set.js';
export { float64BitsTensor, float64FromBitsTensor } from './float64-state.js';
export default ntk;
