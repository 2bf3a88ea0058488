// #12: every dependency points down. The telephony contract (src/telephony/) and the media
// checks (src/media/) are leaves; nothing under src/ reaches up into api/ or activities/;
// activities/ never imports api/; activities/telephony/ holds only the two adapters; the
// application layers have no import cycle. Scans the sources' import statements.
import fs from 'node:fs';
import path from 'node:path';

const ROOT = path.resolve(__dirname, '../..');
const LAYERS = ['src', 'activities', 'api', 'workflows', 'workers', 'bench', 'scripts', 'prisma'];
const IMPORT = /(?:\bfrom\s*|\bimport\s*\(?\s*|\brequire\s*\(\s*)['"]([^'"]+)['"]/g;

function sourceFiles(dir: string): string[] {
  const abs = path.join(ROOT, dir);
  if (!fs.existsSync(abs)) return [];
  return fs.readdirSync(abs, { withFileTypes: true }).flatMap((entry) => {
    const rel = path.posix.join(dir, entry.name);
    if (entry.isDirectory()) return entry.name === '__histories__' ? [] : sourceFiles(rel);
    return /\.tsx?$/.test(entry.name) && !entry.name.endsWith('.d.ts') ? [rel] : [];
  });
}

/** A relative specifier as a repository path (`src/telephony/port.ts`); null for packages. */
function resolve(from: string, specifier: string): string | null {
  if (!specifier.startsWith('.')) return null;
  const base = path.posix.normalize(path.posix.join(path.posix.dirname(from), specifier.replace(/\.js$/, '')));
  for (const candidate of [`${base}.ts`, `${base}.tsx`, `${base}/index.ts`, base]) {
    if (fs.existsSync(path.join(ROOT, candidate)) && fs.statSync(path.join(ROOT, candidate)).isFile()) return candidate;
  }
  return base;
}

function importsOf(file: string): string[] {
  const text = fs.readFileSync(path.join(ROOT, file), 'utf8').replace(/^\s*\/\/.*$/gm, '');
  return [...text.matchAll(IMPORT)].map((m) => resolve(file, m[1]!)).filter((p): p is string => p !== null);
}

const files = LAYERS.flatMap(sourceFiles);
const graph = new Map(files.map((file) => [file, importsOf(file)]));

function violations(filesUnder: string, forbidden: (target: string) => boolean): string[] {
  return [...graph]
    .filter(([file]) => file.startsWith(filesUnder))
    .flatMap(([file, targets]) => targets.filter(forbidden).map((target) => `${file} -> ${target}`));
}

test('the scan sees the tree (a scan that finds nothing would pass anything)', () => {
  expect(graph.get('api/webhooks/twilio.ts')).toContain('src/telephony/port.ts');
  expect(graph.get('activities/telephony/twilio.ts')).toContain('src/telephony/twiml.ts');
  expect(files.length).toBeGreaterThan(50);
});

test('#12: nothing under src/ imports api/, activities/ or workers/', () => {
  expect(violations('src/', (t) => /^(api|activities|workers)\//.test(t))).toEqual([]);
});

test('#12: src/telephony/ and src/media/ are leaves: they import only themselves and packages', () => {
  expect(violations('src/telephony/', (t) => !t.startsWith('src/telephony/'))).toEqual([]);
  expect(violations('src/media/', (t) => !t.startsWith('src/media/'))).toEqual([]);
});

test('#12: activities/ never imports api/', () => {
  expect(violations('activities/', (t) => t.startsWith('api/'))).toEqual([]);
});

test('#12: activities/telephony/ keeps only the two adapters', () => {
  expect(sourceFiles('activities/telephony').sort()).toEqual([
    'activities/telephony/simulated.ts',
    'activities/telephony/twilio.ts',
  ]);
});

test('#12: no import cycle in src/, activities/, api/, workflows/, workers/, bench/, scripts/, prisma/', () => {
  const cycles: string[] = [];
  const state = new Map<string, 'open' | 'done'>();
  const stack: string[] = [];
  const visit = (file: string) => {
    state.set(file, 'open');
    stack.push(file);
    for (const target of graph.get(file) ?? []) {
      if (!graph.has(target)) continue;
      if (state.get(target) === 'open') cycles.push([...stack.slice(stack.indexOf(target)), target].join(' -> '));
      else if (!state.has(target)) visit(target);
    }
    stack.pop();
    state.set(file, 'done');
  };
  for (const file of graph.keys()) if (!state.has(file)) visit(file);
  expect(cycles).toEqual([]);
});
