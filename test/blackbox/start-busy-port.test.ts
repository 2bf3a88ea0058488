// A new user runs `npm start` on a shared machine (black-box checks, engineer bb): when one of
// its ports is taken, the refusal names the variable that moves it, not only the port.
import { spawn } from 'node:child_process';
import { createServer, type Server } from 'node:net';
import type { AddressInfo } from 'node:net';
import path from 'node:path';

const ROOT = path.join(__dirname, '..', '..');
let busy: Server;
let port: number;

beforeAll(async () => {
  busy = createServer();
  await new Promise<void>((resolve) => busy.listen(0, '127.0.0.1', resolve));
  port = (busy.address() as AddressInfo).port;
});

afterAll(async () => {
  await new Promise((resolve) => busy.close(resolve));
});

test('npm start on a busy API port stops at once and says to set PORT', async () => {
  // The API port is checked first: nothing is started before the refusal.
  const child = spawn(process.execPath, ['--import', 'tsx', 'scripts/start.ts'], {
    cwd: ROOT,
    env: { ...process.env, PORT: String(port), HOST: '127.0.0.1', NODE_ENV: 'development' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const code = await new Promise<number | null>((resolve) => child.once('exit', resolve));
  expect(output).toContain(`API port 127.0.0.1:${port} is already in use`);
  expect(output).toContain('set PORT to move it');
  expect(code).not.toBe(0);
}, 60_000);
