import { existsSync } from 'node:fs';
import * as tf from '@tensorflow/tfjs-core';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { selectBackend, useBackend } from './select-backend.js';
import { installedHere } from './test-support/fake-packages.js';
import { explainSyncReads, SWIFTSHADER_ICD, WEBGPU_INSTALL_COMMAND } from './webgpu.js';

interface Host {
  navigator?: { gpu?: unknown };
  FakeGPUConstant?: unknown;
}
const host = globalThis as unknown as Host;

describe("selectBackend('webgpu')", () => {
  const hadNavigator = 'navigator' in globalThis;
  // Every test starts on cpu, whichever backend the set-up file chose.
  beforeEach(async () => {
    await useBackend('cpu');
  });
  afterEach(async () => {
    // Leave no GPU of the tests' making for the next test.
    if (!hadNavigator) delete host.navigator;
    else if (host.navigator) delete host.navigator.gpu;
    delete host.FakeGPUConstant;
    await useBackend('cpu');
  });

  it('without a GPU adapter: an error that says how to get SwiftShader', async () => {
    host.navigator = { ...(host.navigator ?? {}), gpu: { requestAdapter: async () => null } };
    await expect(selectBackend('webgpu')).rejects.toThrow(
      `navigator.gpu.requestAdapter() found no GPU adapter (Dawn saw no usable Vulkan device). On a machine without a GPU, Dawn runs on SwiftShader: \`apt-get install chromium libvulkan1\` and run with \`VK_ICD_FILENAMES=${SWIFTSHADER_ICD}\`.`,
    );
    expect(tf.getBackend()).toBe('cpu');
  });

  it('gives the install message when the packages are missing, and the backend when they are installed', async () => {
    if (installedHere('webgpu') && installedHere('@tensorflow/tfjs-backend-webgpu')) {
      // Without a GPU, Dawn needs SwiftShader's Vulkan driver (from Debian's chromium package), as
      // the error message of the previous test tells users; machines with a GPU keep their own.
      if (!process.env.VK_ICD_FILENAMES && existsSync(SWIFTSHADER_ICD)) process.env.VK_ICD_FILENAMES = SWIFTSHADER_ICD;
      const info = await selectBackend('webgpu');
      expect(info.name).toBe('webgpu');
      expect(info.package).toBe('@tensorflow/tfjs-backend-webgpu');
      expect(info.candidates).toEqual([{ name: 'webgpu', available: true, passed: true }]);
      expect(tf.getBackend()).toBe('webgpu');
      return;
    }
    const selecting = selectBackend('webgpu');
    await expect(selecting).rejects.toThrow(`Install them next to @precond/runtime-node: \`${WEBGPU_INSTALL_COMMAND}\``);
    await expect(selecting).rejects.toThrow('pnpm add webgpu @tensorflow/tfjs-backend-webgpu');
    await expect(selecting).rejects.toThrow('`apt-get install chromium libvulkan1`');
    await expect(selecting).rejects.toThrow('VK_ICD_FILENAMES=/usr/lib/chromium/vk_swiftshader_icd.json');
    await expect(selecting).rejects.toThrow(installedHere('webgpu') ? "'@tensorflow/tfjs-backend-webgpu' cannot be imported" : "'webgpu' (Dawn for Node) cannot be imported");
    expect(tf.getBackend()).toBe('cpu');
    // Nothing was half set up.
    expect(host.navigator?.gpu).toBeUndefined();
  });
});

describe('explainSyncReads', () => {
  it("turns webgpu's OffscreenCanvas failure in Node into a message that says to read asynchronously, and leaves other reads alone", () => {
    const values = new Float32Array([1, 2]);
    const backend = {
      readSync(dataId: object): unknown {
        if ((dataId as { gpu?: boolean }).gpu) throw new ReferenceError('OffscreenCanvas is not defined');
        if ((dataId as { broken?: boolean }).broken) throw new RangeError('something else');
        return values;
      },
    };
    explainSyncReads(backend);
    explainSyncReads(backend); // a second call does not wrap twice
    expect(backend.readSync({})).toBe(values);
    expect(() => backend.readSync({ gpu: true })).toThrow("backend 'webgpu' in Node cannot read a tensor synchronously");
    expect(() => backend.readSync({ gpu: true })).toThrow('Read with `await tensor.data()`');
    expect(() => backend.readSync({ broken: true })).toThrow(RangeError);
  });
});
