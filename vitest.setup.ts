// Every test file runs on a real tfjs backend: cpu unless PRECOND_TEST_BACKEND names another.
import { useBackend } from '@precond/runtime-node';

await useBackend((process.env.PRECOND_TEST_BACKEND as 'cpu' | 'wasm' | undefined) ?? 'cpu');
