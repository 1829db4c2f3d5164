/** Workflow bundling: our sources import `./x.js` (NodeNext ESM) while the files are `.ts`. */
import type { BundleOptions } from '@temporalio/worker';

export function workflowBundlerOptions(): NonNullable<Pick<BundleOptions, 'webpackConfigHook'>> {
  return {
    webpackConfigHook: (config) => {
      config.resolve = { ...config.resolve, extensionAlias: { '.js': ['.ts', '.js'] } };
      return config;
    },
  };
}
