// docker-compose.yml cannot run here (no Docker engine); what can be checked is that it
// parses and agrees with the code: env names, ports, entry points.
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { parse } from 'yaml';
import { configSchema, loadConfig } from '../../src/config';

const ROOT = path.join(__dirname, '..', '..');
const compose = parse(readFileSync(path.join(ROOT, 'docker-compose.yml'), 'utf8'), { merge: true }) as {
  services: Record<
    string,
    { image?: string; environment?: Record<string, string>; ports?: string[]; command?: string[] }
  >;
};
const appServices = ['worker', 'api', 'migrate'] as const;
const knownEnv = new Set(Object.keys(configSchema.shape));

test('it has PostgreSQL, Temporal, the Temporal UI, the API and the worker', () => {
  expect(Object.keys(compose.services)).toEqual(
    expect.arrayContaining(['postgres', 'temporal', 'temporal-ui', 'api', 'worker']),
  );
  for (const service of Object.values(compose.services)) expect(service.image).toMatch(/^[\w./-]+:[\w.-]+$/);
});

test.each(appServices)('%s only sets variables the code reads, and they parse', (name) => {
  const env = compose.services[name]!.environment!;
  for (const key of Object.keys(env)) expect(knownEnv).toContain(key);
  // ${VAR:-default} interpolation: take the default as compose would.
  const resolved = Object.fromEntries(
    Object.entries(env).map(([k, v]) => [k, String(v).replace(/\$\{\w+:-([^}]*)\}/g, '$1')]),
  );
  const config = loadConfig(Object.fromEntries(Object.entries(resolved).filter(([, v]) => v !== '')));
  expect(config.TEMPORAL_ADDRESS).toBe('temporal:7233');
  expect(new URL(config.DATABASE_URL!).hostname).toBe('postgres');
});

test('published ports match the code defaults', () => {
  const defaults = loadConfig({});
  expect(compose.services.api!.ports).toContain(`${defaults.PORT}:${defaults.PORT}`);
  expect(compose.services['temporal-ui']!.ports).toContain(`${defaults.TEMPORAL_UI_PORT}:${defaults.TEMPORAL_UI_PORT}`);
  expect(compose.services.temporal!.ports).toContain(`${defaults.TEMPORAL_ADDRESS.split(':')[1]}:7233`);
  expect(compose.services.api!.environment!.PORT).toBe(String(defaults.PORT));
});

test('entry points it runs exist', () => {
  for (const name of appServices) {
    const command = compose.services[name]!.command!.join(' ');
    for (const file of command.match(/[\w/-]+\.ts/g) ?? []) expect(existsSync(path.join(ROOT, file))).toBe(true);
  }
});
