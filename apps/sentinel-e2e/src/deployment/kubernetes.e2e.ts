import { execFileSync } from 'node:child_process';
import { readFileSync, readdirSync } from 'node:fs';
import { join, relative } from 'node:path';
import { parseAllDocuments } from 'yaml';
import { describeWithServices, kubectlPath } from '@sentinel/testing-support';
import { WORKSPACE } from '../support/sentinel-process';

/**
 * The Kustomize manifests under docker/kubernetes, as `kubectl kustomize` renders them (no cluster
 * needed): every object validated against the Kubernetes API schemas (kubernetes-models), then the
 * operator checks of issue 21 — probes on the real health paths, security context, grace period vs
 * SHUTDOWN_GRACE_MS, secrets by reference, PDB, HPA, NetworkPolicy, the image docker/Dockerfile
 * builds — on the base and on every overlay.
 */

const K8S_DIR = join(WORKSPACE, 'docker/kubernetes');
const BASE = join(K8S_DIR, 'base');
const OVERLAYS = readdirSync(join(K8S_DIR, 'overlays'), { withFileTypes: true })
  .filter((d) => d.isDirectory())
  .map((d) => join(K8S_DIR, 'overlays', d.name));
const TARGETS = [BASE, ...OVERLAYS];

/* ---------------------------------------------------------------- sources of truth --- */

/** Every variable declared in env.schema.ts: name, default (as written), and whether it is a secret. */
function declaredVariables(): Map<string, { secret: boolean; initialiser: string | undefined }> {
  const source = readFileSync(join(WORKSPACE, 'libs/server/core/src/lib/config/env.schema.ts'), 'utf8');
  const body = source.slice(source.indexOf('export class EnvironmentVariables'));
  const vars = new Map<string, { secret: boolean; initialiser: string | undefined }>();
  for (const chunk of body.split('@EnvVariable(').slice(1)) {
    const prop = /^ {2}([A-Z][A-Z0-9_]*)[?!]?(?::[^=;\n]+)?(?: = ([^;\n]+))?;/m.exec(chunk);
    if (!prop) continue;
    vars.set(prop[1], { secret: /\bsecret: true\b/.test(chunk.slice(0, prop.index)), initialiser: prop[2] });
  }
  return vars;
}
const ENV = declaredVariables();

/** The paths the terminus health controller serves: `@Controller('health')` + its `@Get(…)`s. */
function healthPaths(): { live: string; ready: string } {
  const source = readFileSync(join(WORKSPACE, 'libs/server/health/src/lib/health.controller.ts'), 'utf8');
  const base = /@Controller\('([^']+)'\)/.exec(source)?.[1];
  if (!base) throw new Error('health.controller.ts: no @Controller path');
  const gets = [...source.matchAll(/@Get\((?:'([^']*)')?\)\s*(?:@\w+\(\)\s*)*(?:async\s+)?(\w+)\(/g)].map((m) => ({
    path: m[1] ? `/${base}/${m[1]}` : `/${base}`,
    method: m[2],
  }));
  const live = gets.find((g) => g.method === 'live')?.path;
  const ready = gets.find((g) => g.method === 'ready')?.path;
  if (!live || !ready) throw new Error(`health.controller.ts: live/ready not found in ${JSON.stringify(gets)}`);
  return { live, ready };
}
const HEALTH = healthPaths();

const PACKAGE_VERSION = (JSON.parse(readFileSync(join(WORKSPACE, 'package.json'), 'utf8')) as { version: string })
  .version;
const DOCKERFILE = readFileSync(join(WORKSPACE, 'docker/Dockerfile'), 'utf8');

/* ------------------------------------------------------------------------ rendering --- */

type Obj = {
  apiVersion: string;
  kind: string;
  metadata: { name: string; namespace?: string; labels?: Record<string, string>; annotations?: Record<string, string> };
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- checked field by field below
  spec?: any;
  data?: Record<string, string>;
  stringData?: Record<string, string>;
};

function render(dir: string): Obj[] {
  const kubectl = kubectlPath() as string;
  const out = execFileSync(kubectl, ['kustomize', dir], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
  return parseAllDocuments(out)
    .map((d) => d.toJSON() as Obj | null)
    .filter((o): o is Obj => o !== null);
}

/** The kubernetes-models class for an object, or undefined for a kind it does not ship (a CRD). */
function modelFor(o: Obj): (new (data: unknown) => { validate(): void }) | undefined {
  const path = `kubernetes-models/${o.apiVersion}/${o.kind}`;
  let mod: Record<string, unknown>;
  try {
    mod = require(path) as Record<string, unknown>;
  } catch {
    return undefined;
  }
  return mod[o.kind] as new (data: unknown) => { validate(): void };
}

/** Custom resources: none of them has a schema in kubernetes-models. */
const CUSTOM_KINDS = new Set(['monitoring.coreos.com/v1/ServiceMonitor']);

const one = (objs: Obj[], kind: string, name: string): Obj => {
  const found = objs.filter((o) => o.kind === kind && o.metadata.name === name);
  if (found.length !== 1) throw new Error(`expected one ${kind}/${name}, found ${found.length}`);
  return found[0];
};
const matches = (selector: Record<string, string> | undefined, labels: Record<string, string> | undefined) =>
  selector !== undefined &&
  Object.keys(selector).length > 0 &&
  Object.entries(selector).every(([k, v]) => labels?.[k] === v);

function isCidrList(value: string): boolean {
  const ipv4 = /^(25[0-5]|2[0-4]\d|1?\d?\d)(\.(25[0-5]|2[0-4]\d|1?\d?\d)){3}(\/(3[0-2]|[12]?\d))?$/;
  const ipv6 = /^[0-9a-fA-F:]+(\/(12[0-8]|1[01]\d|\d?\d))?$/;
  const entries = value.split(',').map((s) => s.trim());
  return entries.length > 0 && entries.every((e) => ipv4.test(e) || (e.includes(':') && ipv6.test(e)));
}

/* --------------------------------------------------------------------------- tests --- */

describeWithServices(['kubectl'], 'Kubernetes manifests (docker/kubernetes, rendered with kubectl kustomize)', () => {
  const rendered = new Map<string, Obj[]>();
  const objectsOf = (dir: string): Obj[] => {
    let objs = rendered.get(dir);
    if (!objs) {
      objs = render(dir);
      rendered.set(dir, objs);
    }
    return objs;
  };
  const name = (dir: string) => relative(K8S_DIR, dir);

  it('has the base and at least the production, production-monitoring and test-cluster overlays', () => {
    expect(OVERLAYS.map(name).sort()).toEqual(
      expect.arrayContaining(['overlays/production', 'overlays/production-monitoring', 'overlays/test-cluster']),
    );
  });

  describe.each(TARGETS.map((dir) => [name(dir), dir]))('%s', (_label, dir) => {
    const overlay = dir !== BASE;
    const objs = () => objectsOf(dir);
    const deployment = () => one(objs(), 'Deployment', 'sentinel');
    const pod = () => deployment().spec.template;
    const container = () => {
      const cs = pod().spec.containers as { name: string }[];
      return cs.find((c) => c.name === 'sentinel') as Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any
    };
    const config = () => one(objs(), 'ConfigMap', 'sentinel-config').data ?? {};
    const setting = (variable: string): string => {
      const fromEnv = (container()['env'] as { name: string; value?: string }[] | undefined)?.find(
        (e) => e.name === variable,
      );
      if (fromEnv?.value !== undefined) return fromEnv.value;
      if (config()[variable] !== undefined) return config()[variable];
      const initialiser = ENV.get(variable)?.initialiser;
      if (initialiser === undefined) throw new Error(`${variable} has no value and no default`);
      return initialiser.replace(/_/g, '').replace(/^'(.*)'$/, '$1');
    };

    it('renders, and every object validates against its Kubernetes API schema (kubernetes-models)', () => {
      const problems: string[] = [];
      for (const o of objs()) {
        const Model = modelFor(o);
        const id = `${o.apiVersion}/${o.kind}`;
        if (!Model) {
          if (!CUSTOM_KINDS.has(id))
            problems.push(`${id} ${o.metadata.name}: no schema and not a known custom resource`);
          continue;
        }
        try {
          new Model(o).validate();
        } catch (e) {
          problems.push(`${id} ${o.metadata.name}: ${(e as Error).message}`);
        }
      }
      expect(problems).toEqual([]);
      expect(objs().length).toBeGreaterThanOrEqual(7);
    });

    it('ConfigMap keys and container env names are variables declared in env.schema.ts; secrets only by reference', () => {
      for (const key of Object.keys(config())) {
        expect([key, ENV.has(key)]).toEqual([key, true]);
        expect([key, ENV.get(key)?.secret]).toEqual([key, false]);
      }
      const env = (container()['env'] ?? []) as {
        name: string;
        value?: string;
        valueFrom?: { secretKeyRef?: { name: string; key: string } };
      }[];
      for (const e of env) {
        expect([e.name, ENV.has(e.name)]).toEqual([e.name, true]);
        if (ENV.get(e.name)?.secret) {
          expect([e.name, e.value]).toEqual([e.name, undefined]);
          expect(e.valueFrom?.secretKeyRef?.name).toBe('sentinel-secrets');
        }
      }
      for (const from of (container()['envFrom'] ?? []) as { configMapRef?: { name: string } }[])
        expect(from.configMapRef?.name).toBe('sentinel-config');
      const fromSecret = env.filter((e) => e.valueFrom?.secretKeyRef).map((e) => e.name);
      expect(fromSecret).toEqual(
        expect.arrayContaining(['SENTINEL_HMAC_SECRET', 'ADMIN_PASSWORD', 'ADMIN_JWT_SECRET', 'PG_DSN']),
      );
    });

    it('a Secret object is shipped only as a clearly named example, never with production', () => {
      const secrets = objs().filter((o) => o.kind === 'Secret');
      if (name(dir) === 'overlays/test-cluster') {
        expect(secrets).toHaveLength(1);
        expect(secrets[0].metadata.annotations?.['sentinel.example/example-only']).toMatch(/^true/);
        for (const v of Object.values(secrets[0].stringData ?? {})) expect(v).toMatch(/example-only/);
      } else {
        expect(secrets).toEqual([]);
      }
    });

    it('probes: startup and liveness on the liveness path, readiness on the readiness path, on the app port', () => {
      const c = container();
      const ports = c['ports'] as { name: string; containerPort: number }[];
      const portOf = (p: string | number) =>
        typeof p === 'number' ? p : ports.find((x) => x.name === p)?.containerPort;
      const appPort = Number(setting('APP_PORT'));
      for (const [probe, path] of [
        ['startupProbe', HEALTH.live],
        ['livenessProbe', HEALTH.live],
        ['readinessProbe', HEALTH.ready],
      ] as const) {
        expect([probe, c[probe]?.httpGet?.path]).toEqual([probe, path]);
        expect([probe, portOf(c[probe].httpGet.port)]).toEqual([probe, appPort]);
      }
      expect(HEALTH).toEqual({ live: '/health', ready: '/health/ready' });
      // Migrations under the advisory lock may take a while: the startup probe allows ≥ 2 minutes.
      const s = c['startupProbe'];
      expect(s.periodSeconds * s.failureThreshold).toBeGreaterThanOrEqual(120);
    });

    it('terminationGracePeriodSeconds exceeds the preStop pause plus SHUTDOWN_GRACE_MS', () => {
      const grace = pod().spec.terminationGracePeriodSeconds as number;
      const command = container()['lifecycle']?.preStop?.exec?.command as string[] | undefined;
      const sleep = container()['lifecycle']?.preStop?.sleep?.seconds as number | undefined;
      const pauseSeconds = sleep ?? (command && command[0].endsWith('sleep') ? Number(command[1]) : NaN);
      expect(pauseSeconds).toBeGreaterThanOrEqual(5);
      const shutdownGraceMs = Number(setting('SHUTDOWN_GRACE_MS'));
      expect(shutdownGraceMs).toBeGreaterThan(0);
      expect(grace * 1000).toBeGreaterThan(pauseSeconds * 1000 + shutdownGraceMs);
      // The image has the sleep binary the preStop hook runs (Debian slim Node image).
      if (command) expect(DOCKERFILE).toMatch(/ARG NODE_IMAGE=node:\d+-bookworm-slim/);
    });

    it('security context: non-root, read-only root fs, no privilege escalation, no capabilities, seccomp RuntimeDefault', () => {
      const podSc = pod().spec.securityContext ?? {};
      const sc = container()['securityContext'] ?? {};
      expect(sc.runAsNonRoot ?? podSc.runAsNonRoot).toBe(true);
      expect(sc.runAsUser ?? podSc.runAsUser).not.toBe(0);
      expect(sc.readOnlyRootFilesystem).toBe(true);
      expect(sc.allowPrivilegeEscalation).toBe(false);
      expect(sc.capabilities?.drop).toEqual(['ALL']);
      expect(sc.capabilities?.add).toBeUndefined();
      expect((sc.seccompProfile ?? podSc.seccompProfile)?.type).toBe('RuntimeDefault');
      expect(pod().spec.automountServiceAccountToken).toBe(false);
      // With a read-only root, DATA_DIR and /tmp are writable volumes.
      const mounts = (container()['volumeMounts'] ?? []) as { name: string; mountPath: string }[];
      const volumes = (pod().spec.volumes ?? []) as {
        name: string;
        emptyDir?: object;
        persistentVolumeClaim?: object;
      }[];
      for (const path of [setting('DATA_DIR'), '/tmp']) {
        const mount = mounts.find((m) => m.mountPath === path);
        expect([path, mount !== undefined]).toEqual([path, true]);
        const volume = volumes.find((v) => v.name === mount?.name);
        expect([path, Boolean(volume?.emptyDir ?? volume?.persistentVolumeClaim)]).toEqual([path, true]);
      }
    });

    it('resources: CPU and memory requests and a memory limit', () => {
      const r = container()['resources'];
      expect(r?.requests?.cpu).toBeDefined();
      expect(r?.requests?.memory).toBeDefined();
      expect(r?.limits?.memory).toBeDefined();
    });

    it('the image is the one docker/Dockerfile builds, pinned to the package.json version (never :latest)', () => {
      const image = container()['image'] as string;
      const m = /^(?:(.+)\/)?key-ip-sentinel:([^:@/]+)$/.exec(image);
      expect([image, m !== null]).toEqual([image, true]);
      expect(m?.[2]).toBe(PACKAGE_VERSION);
      expect(m?.[2]).not.toBe('latest');
      expect(DOCKERFILE).toMatch(/-t key-ip-sentinel:/);
      for (const o of objs())
        for (const c of (o.spec?.template?.spec?.containers ?? []) as { image: string }[])
          expect([c.image, /:[^:/]+$/.test(c.image) && !c.image.endsWith(':latest')]).toEqual([c.image, true]);
    });

    it('rolling update keeps capacity (maxUnavailable 0) with at least 2 replicas, and the HPA scales on CPU from 2', () => {
      const d = deployment();
      expect(d.spec.replicas).toBeGreaterThanOrEqual(2);
      expect(d.spec.strategy?.type).toBe('RollingUpdate');
      expect(d.spec.strategy?.rollingUpdate?.maxUnavailable).toBe(0);
      expect(matches(d.spec.selector.matchLabels, pod().metadata.labels)).toBe(true);
      const hpa = one(objs(), 'HorizontalPodAutoscaler', 'sentinel');
      expect(hpa.spec.scaleTargetRef).toEqual({ apiVersion: 'apps/v1', kind: 'Deployment', name: 'sentinel' });
      expect(hpa.spec.minReplicas).toBeGreaterThanOrEqual(2);
      expect(hpa.spec.maxReplicas).toBeGreaterThan(hpa.spec.minReplicas);
      expect(hpa.spec.metrics).toEqual(
        expect.arrayContaining([
          expect.objectContaining({ type: 'Resource', resource: expect.objectContaining({ name: 'cpu' }) }),
        ]),
      );
    });

    it('the PodDisruptionBudget covers Sentinel pods and leaves at least one running', () => {
      const pdb = one(objs(), 'PodDisruptionBudget', 'sentinel');
      expect(matches(pdb.spec.selector.matchLabels, pod().metadata.labels)).toBe(true);
      const minReplicas = one(objs(), 'HorizontalPodAutoscaler', 'sentinel').spec.minReplicas as number;
      if (pdb.spec.maxUnavailable !== undefined) expect(pdb.spec.maxUnavailable).toBeLessThan(minReplicas);
      else expect(pdb.spec.minAvailable).toBeGreaterThanOrEqual(1);
    });

    it('the Service selects Sentinel pods and exposes the app and metrics ports by name', () => {
      const svc = one(objs(), 'Service', 'sentinel');
      expect(matches(svc.spec.selector, pod().metadata.labels)).toBe(true);
      const names = (container()['ports'] as { name: string }[]).map((p) => p.name);
      for (const p of svc.spec.ports as { name: string; targetPort: string }[]) expect(names).toContain(p.targetPort);
      const metricsPort = (container()['ports'] as { name: string; containerPort: number }[]).find(
        (p) => p.name === 'metrics',
      );
      expect(metricsPort?.containerPort).toBe(Number(setting('METRICS_PORT')));
      expect(setting('METRICS_HOST')).toBe('0.0.0.0');
    });

    it('the NetworkPolicy admits only the ingress controller to the app port and only monitoring to metrics', () => {
      const np = one(objs(), 'NetworkPolicy', 'sentinel');
      expect(matches(np.spec.podSelector.matchLabels, pod().metadata.labels)).toBe(true);
      expect(np.spec.policyTypes).toContain('Ingress');
      type Peer = {
        namespaceSelector?: { matchLabels?: Record<string, string> };
        podSelector?: { matchLabels?: Record<string, string> };
        ipBlock?: unknown;
      };
      const rules = np.spec.ingress as { from?: Peer[]; ports?: { port: string | number }[] }[];
      for (const rule of rules) {
        // Every rule names its sources and its ports: no "from anywhere", no "every port".
        expect(rule.from?.length).toBeGreaterThan(0);
        expect(rule.ports?.length).toBeGreaterThan(0);
        for (const peer of rule.from ?? []) {
          expect(peer.ipBlock).toBeUndefined();
          expect(Object.keys(peer.namespaceSelector?.matchLabels ?? {}).length).toBeGreaterThan(0);
        }
      }
      const to = (port: string) => rules.filter((r) => r.ports?.some((p) => p.port === port));
      const [app] = to('http');
      expect(to('http')).toHaveLength(1);
      expect(app.ports).toEqual([{ port: 'http', protocol: 'TCP' }]);
      for (const peer of app.from ?? []) {
        expect(peer.namespaceSelector?.matchLabels?.['kubernetes.io/metadata.name']).toMatch(/ingress/);
        // It selects the controller's pods — not Sentinel's own (a label transformer could do that).
        expect(peer.podSelector?.matchLabels?.['app.kubernetes.io/name']).toMatch(/ingress/);
        expect(matches(peer.podSelector?.matchLabels, pod().metadata.labels)).toBe(false);
      }
      const [metrics] = to('metrics');
      expect(to('metrics')).toHaveLength(1);
      expect(metrics.ports).toEqual([{ port: 'metrics', protocol: 'TCP' }]);
      for (const peer of metrics.from ?? [])
        expect(peer.namespaceSelector?.matchLabels?.['kubernetes.io/metadata.name']).toBe('monitoring');
    });

    it('TRUSTED_PROXY_IPS is a valid list of the ingress network in overlays (the base trusts nobody)', () => {
      const trusted = setting('TRUSTED_PROXY_IPS');
      if (overlay) expect([trusted, isCidrList(trusted)]).toEqual([trusted, true]);
      else expect(trusted).toBe('');
    });

    it('Redis: exactly one topology, REDIS_ADDR or REDIS_SENTINELS with REDIS_MASTER_NAME', () => {
      const c = config();
      const sentinels = c['REDIS_SENTINELS'];
      if (sentinels !== undefined) {
        expect(c['REDIS_ADDR']).toBeUndefined();
        expect(c['REDIS_MASTER_NAME']).toBeTruthy();
        for (const entry of sentinels.split(',')) expect(entry.trim()).toMatch(/^[A-Za-z0-9.-]+:\d{1,5}$/);
      } else {
        expect(c['REDIS_ADDR']).toMatch(/^rediss?:\/\//);
        expect(c['REDIS_MASTER_NAME']).toBeUndefined();
      }
    });

    it('an Ingress, where shipped, streams: buffering off, hour-long timeouts, HTTP/1.1 for upgrades, to the app port', () => {
      const ingresses = objs().filter((o) => o.kind === 'Ingress');
      if (name(dir).startsWith('overlays/production')) expect(ingresses).toHaveLength(1);
      for (const ing of ingresses) {
        const a = ing.metadata.annotations ?? {};
        expect(a['nginx.ingress.kubernetes.io/proxy-buffering']).toBe('off');
        expect(a['nginx.ingress.kubernetes.io/proxy-request-buffering']).toBe('off');
        expect(Number(a['nginx.ingress.kubernetes.io/proxy-read-timeout'])).toBeGreaterThanOrEqual(3600);
        expect(Number(a['nginx.ingress.kubernetes.io/proxy-send-timeout'])).toBeGreaterThanOrEqual(3600);
        expect(a['nginx.ingress.kubernetes.io/proxy-http-version']).toBe('1.1');
        expect(a['nginx.ingress.kubernetes.io/configuration-snippet']).toBeUndefined();
        expect(ing.spec.ingressClassName).toBe('nginx');
        for (const rule of ing.spec.rules as {
          http: { paths: { backend: { service: { name: string; port: { name?: string } } } }[] };
        }[])
          for (const p of rule.http.paths)
            expect(p.backend.service).toEqual({ name: 'sentinel', port: { name: 'http' } });
      }
    });

    it('a ServiceMonitor, where shipped, scrapes /metrics on the Service’s metrics port', () => {
      const monitors = objs().filter((o) => o.kind === 'ServiceMonitor');
      if (name(dir) === 'overlays/production-monitoring') expect(monitors).toHaveLength(1);
      else expect(monitors).toEqual([]);
      const svc = one(objs(), 'Service', 'sentinel');
      for (const m of monitors) {
        // No maintained schema for this CRD is installed: its fields are checked here by hand.
        expect(m.apiVersion).toBe('monitoring.coreos.com/v1');
        expect(matches(m.spec.selector.matchLabels, svc.metadata.labels)).toBe(true);
        expect(m.spec.namespaceSelector?.matchNames).toEqual([svc.metadata.namespace]);
        expect(m.metadata.namespace).toBe(svc.metadata.namespace);
        expect(m.spec.endpoints).toEqual([expect.objectContaining({ port: 'metrics', path: '/metrics' })]);
        expect((svc.spec.ports as { name: string }[]).map((p) => p.name)).toContain('metrics');
      }
    });
  });
});
