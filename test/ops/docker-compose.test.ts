// docker-compose.yml cannot run here (no Docker engine); what can be checked is that it
// parses and agrees with the code: services, images, ports, env names, entry points,
// dependencies, health checks and restart policies (issue #10 item 3).
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { parse } from 'yaml';
import { configSchema, loadConfig } from '../../src/config';
import { ALL_SEARCH_ATTRIBUTES } from '../../workflows/search-attributes';

const ROOT = path.join(__dirname, '..', '..');
interface Service {
  image?: string;
  build?: string;
  environment?: Record<string, string>;
  ports?: string[];
  command?: string[];
  entrypoint?: string[];
  depends_on?: Record<string, { condition: string }>;
  healthcheck?: { test: string[] };
  restart?: string;
  volumes?: string[];
}
const compose = parse(readFileSync(path.join(ROOT, 'docker-compose.yml'), 'utf8'), { merge: true }) as {
  services: Record<string, Service>;
};
const services = compose.services;
const appServices = ['worker', 'api', 'migrate'] as const;
const longRunning = ['postgres', 'temporal', 'temporal-ui', 'worker', 'api'] as const;
const knownEnv = new Set(Object.keys(configSchema.shape));

/** Compose interpolation: ${VAR:-default} takes the default, ${VAR:?message} a test secret. */
function interpolate(value: string): string {
  return value
    .replace(/\$\{(\w+):-([^}]*)\}/g, '$2')
    .replace(/\$\{(\w+):\?[^}]*\}/g, (_m, name: string) => `test-secret-for-${name.toLowerCase()}`);
}

test('it has PostgreSQL, Temporal with its schema and setup jobs, the UI, migrations, the API and the worker', () => {
  expect(Object.keys(services).sort()).toEqual(
    ['api', 'migrate', 'postgres', 'temporal', 'temporal-schema', 'temporal-setup', 'temporal-ui', 'worker'].sort(),
  );
  for (const service of Object.values(services)) expect(service.image).toMatch(/^[\w./-]+:[\w.-]+$/);
  // No deprecated auto-setup; the server and admin-tools are the same Temporal release.
  expect(JSON.stringify(compose)).not.toContain('auto-setup');
  const serverVersion = services.temporal!.image!.split(':')[1]!;
  expect(services['temporal-schema']!.image).toContain(`admin-tools:${serverVersion}`);
  expect(services['temporal-setup']!.image).toContain(`admin-tools:${serverVersion}`);
});

test('the app runs from the image built by the Dockerfile, with the built entry points and plain node', () => {
  expect(services.migrate!.build).toBe('.');
  for (const name of appServices) {
    expect(services[name]!.image).toBe(services.migrate!.image);
    expect(services[name]!.volumes).toBeUndefined(); // nothing bind-mounted, no npm ci in the host tree
    const command = services[name]!.command!.join(' ');
    expect(command).not.toMatch(/tsx|npm ci|npx/);
    for (const file of command.match(/dist\/[\w/-]+\.js/g) ?? []) {
      // dist/x/y.js is compiled from x/y.ts by tsconfig.build.json.
      expect(existsSync(path.join(ROOT, file.replace(/^dist\//, '').replace(/\.js$/, '.ts')))).toBe(true);
    }
  }
  const dockerfile = readFileSync(path.join(ROOT, 'Dockerfile'), 'utf8');
  expect(dockerfile.match(/^FROM /gm)!.length).toBeGreaterThanOrEqual(2); // multi-stage
  expect(dockerfile).toMatch(/^USER node$/m); // not root
  expect(dockerfile).toContain('npm run build');
  // #15 P4: two glibc arenas, not one per thread (120–165 MB less worker RSS, docs/benchmarks.md).
  expect(dockerfile).toMatch(/MALLOC_ARENA_MAX=2\b/);
});

test.each(appServices)('%s only sets variables the code reads, and they parse in production', (name) => {
  const env = services[name]!.environment!;
  for (const key of Object.keys(env)) expect(knownEnv).toContain(key);
  const resolved = Object.fromEntries(Object.entries(env).map(([k, v]) => [k, interpolate(String(v))]));
  const config = loadConfig(Object.fromEntries(Object.entries(resolved).filter(([, v]) => v !== '')));
  expect(config.NODE_ENV).toBe('production');
  expect(config.TEMPORAL_ADDRESS).toBe('temporal:7233');
  expect(config.TEMPORAL_EXTERNAL).toBe(true);
  expect(new URL(config.DATABASE_URL!).hostname).toBe('postgres');
  // The simulated network's events go to the API service, not back into the worker.
  expect(new URL(config.publicBaseUrl).host).toBe(`api:${loadConfig({}).PORT}`);
});

test('published ports match the code defaults', () => {
  const defaults = loadConfig({});
  expect(services.api!.ports).toContain(`${defaults.PORT}:${defaults.PORT}`);
  expect(services['temporal-ui']!.ports).toContain(`${defaults.TEMPORAL_UI_PORT}:${defaults.TEMPORAL_UI_PORT}`);
  expect(services.temporal!.ports).toContain(`${defaults.TEMPORAL_ADDRESS.split(':')[1]}:7233`);
  expect(services.api!.environment!.PORT).toBe(String(defaults.PORT));
  expect(services.worker!.environment!.WORKER_METRICS_PORT).toBe(String(defaults.WORKER_METRICS_PORT));
  expect(JSON.stringify(services.worker!.healthcheck)).toContain(`:${defaults.WORKER_METRICS_PORT}/readyz`);
  expect(JSON.stringify(services.api!.healthcheck)).toContain(`:${defaults.PORT}/livez`);
});

test('every long-running service has a health check and a restart policy; dependencies wait on conditions', () => {
  for (const name of longRunning) expect(services[name]!.restart).toBe('unless-stopped');
  for (const name of ['postgres', 'temporal', 'worker', 'api']) expect(services[name]!.healthcheck).toBeDefined();
  const conditions = new Set(['service_healthy', 'service_completed_successfully', 'service_started']);
  for (const [name, service] of Object.entries(services)) {
    for (const [dependency, { condition }] of Object.entries(service.depends_on ?? {})) {
      expect(Object.keys(services)).toContain(dependency);
      expect(conditions).toContain(condition);
      // A dependency on a health condition needs a health check to satisfy it.
      if (condition === 'service_healthy') expect(services[dependency]!.healthcheck).toBeDefined();
      expect(`${name}->${dependency}`).not.toBe(`${dependency}->${name}`);
    }
  }
  expect(services.worker!.depends_on).toMatchObject({
    migrate: { condition: 'service_completed_successfully' },
    'temporal-setup': { condition: 'service_completed_successfully' },
  });
  expect(services.temporal!.depends_on).toMatchObject({
    'temporal-schema': { condition: 'service_completed_successfully' },
  });
});

test('the setup job registers exactly the search attributes the code defines', () => {
  const script = services['temporal-setup']!.command!.join('\n');
  // The CLI spells the SDK's KEYWORD_LIST as KeywordList.
  const cliType = (type: string) => type.replace(/_/g, '');
  for (const key of ALL_SEARCH_ATTRIBUTES)
    expect(script).toMatch(new RegExp(`${key.name}:${cliType(key.type)}\\b`, 'i'));
  expect(script.match(/(Callback|Agent)\w+:\w+/g)).toHaveLength(ALL_SEARCH_ATTRIBUTES.length);
});
