/** CLI settings from the environment: the default host namespace and where the Temporal UI is. */
export interface CliSettings {
  /** BareMetalHost namespace when `-n` is not given (METALFLOW_HOST_NAMESPACE, `default`). */
  hostNamespace: string;
  /** Base URL of the Temporal UI's namespace page for `describe` (METALFLOW_TEMPORAL_UI). */
  temporalUi(namespace: string): string;
  /** Print stack traces with errors (METALFLOW_DEBUG=1); otherwise one line per error. */
  debug: boolean;
}

export function cliSettingsFromEnv(env: NodeJS.ProcessEnv = process.env): CliSettings {
  return {
    hostNamespace: env.METALFLOW_HOST_NAMESPACE ?? 'default',
    temporalUi: (namespace) => env.METALFLOW_TEMPORAL_UI ?? `http://localhost:8233/namespaces/${namespace}`,
    debug: env.METALFLOW_DEBUG === '1',
  };
}
