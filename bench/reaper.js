// The bench's last line of defence, run as its own detached process: the bench tells it on
// stdin what it started (process groups, processes, directories) and what it has already
// stopped. If the bench dies before cleaning up (e.g. `tsx` SIGKILLs it during a Ctrl-C),
// stdin closes and this stops and removes whatever is still registered, then exits.
'use strict';
const { rmSync } = require('node:fs');

const entries = new Map();
let buffer = '';
process.stdin.setEncoding('utf8');
process.stdin.on('data', (chunk) => {
  buffer += chunk;
  for (let nl = buffer.indexOf('\n'); nl >= 0; nl = buffer.indexOf('\n')) {
    const line = buffer.slice(0, nl);
    buffer = buffer.slice(nl + 1);
    try {
      const message = JSON.parse(line);
      if (message.op === 'add') entries.set(message.key, message);
      else entries.delete(message.key);
    } catch {
      // a torn line: ignore
    }
  }
});
process.stdin.on('end', () => void reap());
process.stdin.on('error', () => void reap());
for (const signal of ['SIGINT', 'SIGHUP', 'SIGTERM']) process.on(signal, () => undefined);

function send(entry, signal) {
  try {
    process.kill(entry.kind === 'group' ? -entry.id : entry.id, signal);
    return true;
  } catch {
    return false; // gone
  }
}

async function reap() {
  const all = [...entries.values()].reverse();
  const processes = all.filter((e) => e.kind !== 'dir');
  let alive = processes.filter((e) => send(e, e.signal || 'SIGTERM'));
  for (let waited = 0; alive.length > 0 && waited < 15_000; waited += 250) {
    await new Promise((resolve) => setTimeout(resolve, 250));
    alive = alive.filter((e) => send(e, 0));
  }
  for (const entry of alive) send(entry, 'SIGKILL');
  await new Promise((resolve) => setTimeout(resolve, 500));
  for (const entry of all) if (entry.kind === 'dir') rmSync(entry.path, { recursive: true, force: true });
  process.exit(0);
}
