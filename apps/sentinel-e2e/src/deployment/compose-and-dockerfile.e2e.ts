import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse as parseDotEnv } from 'dotenv';
import { parse } from 'yaml';
import { WORKSPACE } from '../support/sentinel-process';

/**
 * No Docker engine runs on these machines, so the deployment files are checked by reading them:
 * what a Docker host would do with them must hold here.
 */
type Service = {
  image?: string;
  build?: { context: string; dockerfile: string };
  ports?: string[];
  volumes?: string[];
  networks?: string[] | Record<string, { ipv4_address?: string } | null>;
  depends_on?: Record<string, { condition: string }>;
  healthcheck?: { test: string[] };
  environment?: Record<string, string>;
  env_file?: string;
  container_name?: string;
};
const compose = parse(readFileSync(join(WORKSPACE, 'docker-compose.yml'), 'utf8')) as {
  services: Record<string, Service>;
  networks: Record<string, { external?: boolean; ipam?: { config: { subnet: string }[] } }>;
  volumes: Record<string, unknown>;
};
const dockerfile = readFileSync(join(WORKSPACE, 'docker/Dockerfile'), 'utf8');
const envExample = parseDotEnv(readFileSync(join(WORKSPACE, '.env.example')));
const networksOf = (s: Service) => (Array.isArray(s.networks) ? s.networks : Object.keys(s.networks ?? {}));

describe('docker-compose.yml', () => {
  it('has the original topology: nginx, sentinel-app, redis:7-alpine, postgres:16', () => {
    expect(Object.keys(compose.services).sort()).toEqual(['nginx', 'postgres', 'redis', 'sentinel-app']);
    expect(compose.services['redis'].image).toBe('redis:7-alpine');
    expect(compose.services['postgres'].image).toBe('postgres:16');
    expect(compose.services['nginx'].image).toMatch(/^nginx:/);
    expect(compose.services['sentinel-app'].image).toBe('key-ip-sentinel:latest');
    expect(compose.services['sentinel-app'].build).toEqual({ context: '.', dockerfile: 'docker/Dockerfile' });
  });

  it('publishes only nginx, on 8016:80', () => {
    expect(compose.services['nginx'].ports).toEqual(['8016:80']);
    for (const name of ['sentinel-app', 'redis', 'postgres']) expect(compose.services[name].ports).toBeUndefined();
  });

  it('sentinel-app joins the external shared_network and the internal one; it can scale', () => {
    expect(compose.networks['shared_network']).toEqual({ external: true });
    expect(networksOf(compose.services['sentinel-app']).sort()).toEqual(['sentinel_internal', 'shared_network']);
    for (const name of ['nginx', 'redis', 'postgres'])
      expect(networksOf(compose.services[name])).toEqual(['sentinel_internal']);
    expect(compose.services['sentinel-app'].container_name).toBeUndefined(); // --scale needs generated names
  });

  it('pins the internal subnet, and TRUSTED_PROXY_IPS in .env.example and compose agree with it', () => {
    const subnet = compose.networks['sentinel_internal'].ipam?.config[0].subnet;
    expect(subnet).toBe('172.30.0.0/24');
    expect(envExample['TRUSTED_PROXY_IPS']).toBe(subnet);
    expect(compose.services['sentinel-app'].environment?.['TRUSTED_PROXY_IPS']).toBe(
      `\${TRUSTED_PROXY_IPS:-${subnet}}`,
    );
    const nginxNet = (compose.services['nginx'].networks as Record<string, { ipv4_address: string }>)[
      'sentinel_internal'
    ];
    expect(nginxNet.ipv4_address.startsWith('172.30.0.')).toBe(true);
  });

  it('has health checks everywhere and starts in dependency order', () => {
    for (const s of Object.values(compose.services)) expect(s.healthcheck?.test.length).toBeGreaterThan(0);
    expect(compose.services['sentinel-app'].depends_on).toEqual({
      redis: { condition: 'service_healthy' },
      postgres: { condition: 'service_healthy' },
    });
    expect(compose.services['nginx'].depends_on).toEqual({ 'sentinel-app': { condition: 'service_healthy' } });
  });

  it('keeps data in named volumes and mounts the built app read-only (offline updates)', () => {
    expect(Object.keys(compose.volumes).sort()).toEqual(['pg-data', 'redis-data', 'sentinel-data']);
    expect(compose.services['postgres'].volumes).toContain('pg-data:/var/lib/postgresql/data');
    expect(compose.services['sentinel-app'].volumes).toContain('./dist/apps/sentinel:/app/server:ro');
    // DATA_DIR (the spool of rows PostgreSQL could not take) outlives the container.
    expect(compose.services['sentinel-app'].volumes).toContain('sentinel-data:/app/data');
    expect(compose.services['nginx'].volumes).toEqual(
      expect.arrayContaining([
        './nginx/nginx.conf:/etc/nginx/nginx.conf:ro',
        './dist/apps/console/browser:/usr/share/nginx/html/admin/ui:ro',
      ]),
    );
  });

  it('reads .env and uses the same PostgreSQL password as PG_DSN', () => {
    expect(compose.services['sentinel-app'].env_file).toBe('.env');
    const dsn = new URL(envExample['PG_DSN'] as string);
    expect(dsn.hostname).toBe('postgres');
    expect(decodeURIComponent(dsn.password)).toBe(envExample['POSTGRES_PASSWORD']);
    expect(envExample['DOWNSTREAM_URL']).toBe('http://new-api:3000');
  });
});

describe('docker/Dockerfile', () => {
  const stages = dockerfile.split(/^FROM /m).slice(1);

  it('builds in one stage and runs from a small Node LTS runtime stage', () => {
    expect(stages).toHaveLength(2);
    expect(dockerfile).toMatch(/^ARG NODE_IMAGE=node:(22|24)-[a-z]+-slim$/m);
    expect(stages[1]).toMatch(/^\$\{NODE_IMAGE\} AS runtime/);
  });

  it('installs production dependencies only in the runtime image', () => {
    expect(stages[0]).toContain('npm ci --omit=dev');
    expect(stages[1]).not.toMatch(/npm (ci|install)/);
    expect(stages[1]).toContain('COPY --from=build');
  });

  it('runs as a non-root user with a health check on /health', () => {
    const lines = stages[1].split('\n').map((l) => l.trim());
    const user = lines.filter((l) => l.startsWith('USER ')).pop();
    expect(user).toBe('USER node');
    expect(stages[1]).toMatch(/HEALTHCHECK[\s\S]*\/health/);
    expect(stages[1]).toMatch(/CMD \["node", "\/app\/server\/main\.js"\]/);
  });

  it('puts the server where compose mounts it, so a mounted build replaces the image’s copy', () => {
    expect(stages[1]).toMatch(/COPY[^\n]*main\.js[^\n]* \.\/server\//);
    expect(stages[1]).toMatch(/COPY[^\n]*node_modules \.\/node_modules/);
  });
});
