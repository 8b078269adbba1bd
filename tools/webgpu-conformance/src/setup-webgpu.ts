// Set-up of every conformance file this project runs: switch tfjs to the webgpu backend (Dawn)
// after the backend conformance check. Where Dawn cannot start (no `webgpu` package, no Vulkan
// driver), every file fails with the reason and what to install: these suites must not pass
// without having run on WebGPU.
import * as tf from '@tensorflow/tfjs-core';
import { selectWebGPU } from './select-webgpu.js';

const info = await selectWebGPU();
// tfjs-backend-webgpu runs an op on the CPU when its inputs are small and already there
// (WEBGPU_CPU_FORWARD, on by default, under 1000 elements): with the testkit's problems (2 to 4
// parameters) most ops would then never reach a GPU kernel. Off, every op runs as a WebGPU shader.
tf.env().set('WEBGPU_CPU_FORWARD', false);
if (tf.getBackend() !== 'webgpu') throw new Error(`webgpu conformance: expected the webgpu backend to be active after selecting it, found '${tf.getBackend()}'`);
process.env.PRECOND_TEST_BACKEND = info.name;
