import { OptionsError, parsePluginOptions, type PluginInstance } from '@precond/core';

/**
 * The `OptionsError` that validating `plugin`'s own options raises in `slot` (`optimizer`,
 * `preconditioner`, ...), the error a run reports for them; throws when the options are accepted,
 * so a test of a bad option fails instead of passing on nothing. Other errors pass through.
 *
 * @example
 *   expect(optionsErrorOf(lm({ mu: -1 }), 'optimizer').message).toContain('optimizer.mu');
 */
export function optionsErrorOf(plugin: PluginInstance, slot: string): OptionsError {
  try {
    parsePluginOptions(plugin, plugin.config, slot);
  } catch (error) {
    if (error instanceof OptionsError) return error;
    throw error;
  }
  throw new Error(`${slot} options ${JSON.stringify(plugin.config)} were accepted`);
}
