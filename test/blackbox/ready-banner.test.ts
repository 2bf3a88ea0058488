// A new user follows README.md from what `npm start` prints (black-box checks, engineer bb):
// every address README sends them to as a link is in the ready banner, with the defaults.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { readyBanner } from '../../scripts/ready-banner';
import { loadConfig } from '../../src/config';

const README = readFileSync(path.join(__dirname, '..', '..', 'README.md'), 'utf8');
const banner = readyBanner(loadConfig({})).join('\n');

test("README's clickable local addresses are all printed by npm start", () => {
  const links = [...README.matchAll(/<(http:\/\/127\.0\.0\.1:\d+[^>]*)>/g)].map((m) => m[1]!);
  expect(links.length).toBeGreaterThanOrEqual(4);
  for (const link of links) expect(banner).toContain(link);
});

test('the banner names the API docs (Swagger UI at /docs, the OpenAPI document) and the key', () => {
  expect(banner).toContain('http://127.0.0.1:3000/docs');
  expect(banner).toContain('http://127.0.0.1:3000/v1/openapi.json');
  expect(banner).toContain('Authorization: Bearer dev-api-key');
});

test('with an external Temporal no Temporal UI address is invented', () => {
  const external = readyBanner({ ...loadConfig({}), TEMPORAL_EXTERNAL: true }).join('\n');
  expect(external).not.toContain('Temporal UI');
});
