// Issue #10 item 9: local runs fail clearly, and leave nothing behind.
import { spawn } from 'node:child_process';
import { chmodSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { createConnection } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { assertPostgresUserCanReach, EmbeddedPostgresAccessError } from '../../src/infra/postgres';

const asRoot = process.getuid?.() === 0;

(asRoot ? test : test.skip)(
  'as root, a data directory the postgres user cannot reach is refused with a way out, not `spawn initdb EACCES`',
  () => {
    const home = mkdtempSync(path.join(os.tmpdir(), 'callbacks-home-'));
    try {
      chmodSync(home, 0o700); // a root home directory, typically
      mkdirSync(path.join(home, 'project'));
      const dataDir = path.join(home, 'project', '.data', 'postgres');
      mkdirSync(path.dirname(dataDir), { recursive: true });
      let error: unknown;
      try {
        assertPostgresUserCanReach(dataDir);
      } catch (err) {
        error = err;
      }
      expect(error).toBeInstanceOf(EmbeddedPostgresAccessError);
      const message = (error as Error).message;
      expect(message).toContain(dataDir);
      expect(message).toMatch(/chmod o\+x/);
      expect(message).toMatch(/DATABASE_URL=/);
      expect(message).toMatch(/non-root/);
      chmodSync(home, 0o755);
      expect(() => assertPostgresUserCanReach(dataDir)).not.toThrow();
    } finally {
      rmSync(home, { recursive: true, force: true });
    }
  },
);

test('a supervised child stops by itself when its supervisor is killed -9, freeing its port', async () => {
  // The supervisor: starts the child (own process group, as npm start does) and prints its pid.
  const supervisorCode = `
    const { spawn } = require('node:child_process');
    const child = spawn(process.execPath, ['--import', 'tsx', ${JSON.stringify(path.join(__dirname, 'fixtures', 'supervised-child.ts'))}], {
      env: { ...process.env, CALLBACK_SUPERVISOR_PID: String(process.pid) },
      stdio: ['ignore', 'pipe', 'inherit'],
      detached: true,
    });
    child.stdout.once('data', (port) => process.stdout.write(child.pid + ' ' + String(port)));
    setInterval(() => undefined, 1000);
  `;
  const supervisor = spawn(process.execPath, ['-e', supervisorCode], {
    cwd: path.join(__dirname, '..', '..'),
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const [childPid, port] = await new Promise<number[]>((resolve) =>
    supervisor.stdout!.once('data', (chunk) => resolve(String(chunk).trim().split(/\s+/).map(Number))),
  );
  const alive = (pid: number) => {
    try {
      process.kill(pid, 0);
      return true;
    } catch {
      return false;
    }
  };
  expect(alive(childPid!)).toBe(true);
  supervisor.kill('SIGKILL');
  const killed = Date.now();
  while (alive(childPid!) && Date.now() - killed < 10_000) await new Promise((resolve) => setTimeout(resolve, 100));
  expect(alive(childPid!)).toBe(false);
  process.stdout.write(`orphan stopped ${Date.now() - killed} ms after its supervisor was killed -9\n`);
  // Its port is free again.
  await expect(
    new Promise((resolve, reject) => {
      const socket = createConnection({ port: port!, host: '127.0.0.1' });
      socket.once('connect', () => resolve(socket.destroy()));
      socket.once('error', reject);
    }),
  ).rejects.toMatchObject({ code: 'ECONNREFUSED' });
});
