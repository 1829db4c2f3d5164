#!/usr/bin/env node
// Runs the CLI from its prebuilt bundle when that is current (bin/cli-bundle.js), else the
// TypeScript source directly (tsx), so there is no build step to forget.
import { pathToFileURL } from 'node:url';
import { currentCliBundle } from './cli-bundle.js';

const bundle = currentCliBundle();
let cli;
if (bundle) {
  cli = await import(pathToFileURL(bundle).href);
} else {
  const { register } = await import('tsx/esm/api');
  register();
  cli = await import('../src/client/cli/main.ts');
}
cli.cliMain(process.argv.slice(2));
