import { existsSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { selectBackend, SWIFTSHADER_ICD, type BackendInfo } from '@precond/runtime-node';

/**
 * Selects runtime-node's `webgpu` backend with its conformance check against cpu. Without a GPU,
 * Dawn finds SwiftShader's Vulkan driver through VK_ICD_FILENAMES (Debian's chromium ships it), so
 * that is set when unset and the driver exists; a machine with a GPU driver of its own keeps it when
 * VK_ICD_FILENAMES is already set. Throws, with selectBackend's reason, when Dawn cannot start.
 */
export async function selectWebGPU(): Promise<BackendInfo> {
  if (!process.env.VK_ICD_FILENAMES && existsSync(SWIFTSHADER_ICD)) process.env.VK_ICD_FILENAMES = SWIFTSHADER_ICD;
  // Vulkan's loader complains on stderr when this is unset (as under CI's root shell).
  process.env.XDG_RUNTIME_DIR ??= mkdtempSync(join(tmpdir(), 'precond-xdg-'));
  try {
    return await selectBackend('webgpu');
  } catch (e) {
    throw new Error(`the webgpu conformance suites cannot run here: the webgpu backend (Dawn) did not start. ${(e as Error).message}`);
  }
}
