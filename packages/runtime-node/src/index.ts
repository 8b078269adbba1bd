// Importing the union package registers every kernel's gradient on the shared tfjs-core engine
// (plain Node ESM cannot import tfjs-core's register_all_gradients file).
import '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-cpu';
import '@tensorflow/tfjs-backend-wasm';
import * as tf from '@tensorflow/tfjs-core';

/** Switch tfjs to `name` (`cpu` or `wasm`) and wait until it is ready. */
export async function useBackend(name: 'cpu' | 'wasm'): Promise<string> {
  tf.env().set('PROD', true);
  const ok = await tf.setBackend(name);
  if (!ok) throw new Error(`backend '${name}' could not be initialised`);
  await tf.ready();
  return tf.getBackend();
}
