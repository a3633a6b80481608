import type { AppConfig } from '@sentinel/server-core';
import type { NewApiState } from '@sentinel/server-health';

/** The host people should type: a wildcard listen address becomes `localhost`. */
function displayHost(host: string): string {
  if (host === '0.0.0.0' || host === '::' || host === '') return 'localhost';
  return host.includes(':') ? `[${host}]` : host;
}

/**
 * The few lines a person needs after `npm start`, printed last so nothing scrolls them away:
 * the console URL, the generated password (first start only), where SDKs point, and New API.
 */
export function startupSummary(config: AppConfig, newApi: NewApiState): string {
  const base = config.publicUrl ?? `http://${displayHost(config.http.host)}:${config.http.port}`;
  const lines = [
    'Sentinel is ready.',
    `  Console:  ${base}/admin/ui/`,
    ...(config.adminPasswordGenerated
      ? [
          `  Password: ${config.secrets.adminPassword}  (generated on this first start; kept in ${config.generatedSecretsFile ?? 'the data directory'})`,
        ]
      : []),
    `  SDKs:     point base_url at ${base}/v1 (instead of New API)`,
    newApi.status === 'up'
      ? `  New API:  ${newApi.url} (reachable)`
      : `  New API:  ${newApi.url} is UNREACHABLE (${newApi.message ?? 'no answer'}): set DOWNSTREAM_URL to New API's address`,
  ];
  return lines.map((l) => `[sentinel] ${l}\n`).join('');
}
