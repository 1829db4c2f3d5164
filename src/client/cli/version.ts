/** `metalflow version`: this build and where it would connect, without connecting. */
import { readFileSync } from 'node:fs';
import { temporalTargetFromEnv } from '../../config/temporal.js';
import { hostTaskQueueFromEnv } from '../../config/worker-settings.js';

export function packageVersion(): string {
  const pkg = JSON.parse(readFileSync(new URL('../../../package.json', import.meta.url), 'utf8')) as { version?: string };
  return pkg.version ?? 'unknown';
}

export function versionText(): string {
  const target = temporalTargetFromEnv();
  return [
    `metalflow ${packageVersion()}`,
    `Temporal address: ${target.address}${target.tls ? ' (TLS)' : ''}`,
    `Temporal namespace: ${target.namespace}`,
    `Host task queue: ${hostTaskQueueFromEnv()}`,
  ].join('\n');
}
