// #15.3: the ceiling of the availability figure's closed loop on this machine, whatever the
// API does. A bare node:http server (its own process, no logic) answers bytes the size of
// the bench's availability answer; the figure's two generators drive it in turn with 100
// clients, no think time: the bench's own client (bench/http.ts, which reads and parses each
// answer) and autocannon (the #15 bar's closed loop). Prints reads per second, latency, and
// CPU per read of the server and of the generator, for each.
//
//   npx tsx bench/http-ceiling.ts [--reads=20000] [--bytes=24600]
import { spawn } from 'node:child_process';
import autocannon from 'autocannon';
import { readFileSync } from 'node:fs';
import { createHttpClient } from './http';
import { AVAILABILITY_CONCURRENCY } from './figures/availability-latency';
import { pool, summarize } from './stats';

const arg = (name: string, fallback: number) => {
  const found = process.argv.find((a) => a.startsWith(`--${name}=`));
  return found ? Number(found.split('=')[1]) : fallback;
};
const reads = arg('reads', 20_000);
const bytes = arg('bytes', 24_600);

/** user + system CPU seconds of a process (/proc/<pid>/stat, clock ticks of 10 ms). */
function cpuSeconds(pid: number): number {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
  return (Number(fields[11]) + Number(fields[12])) / 100;
}

// A JSON body of the answer's shape and size (hourly slots of a week).
const SERVER = `
const http = require('node:http');
const slot = { start: '2026-11-27T09:00:00+01:00', end: '2026-11-27T10:00:00+01:00', capacity: 60, remaining: 54, nextPositionAt: '2026-11-27T09:06:00+01:00' };
const slots = [];
let body = Buffer.alloc(0);
while (body.length < ${bytes}) {
  slots.push(slot);
  body = Buffer.from(JSON.stringify({ immediate: { available: true }, deferred: { available: true, slots } }));
}
const server = http.createServer((req, res) => {
  res.writeHead(200, ['ETag', 'W/"x"', 'Content-Type', 'application/json; charset=utf-8', 'Content-Length', String(body.length)]);
  res.end(body);
});
server.listen(0, '127.0.0.1', () => process.stdout.write(server.address().port + ' ' + body.length + '\\n'));
`;

async function main(): Promise<void> {
  const server = spawn(process.execPath, ['-e', SERVER], { stdio: ['ignore', 'pipe', 'inherit'] });
  try {
    const [port, size] = await new Promise<string[]>((resolve) =>
      server.stdout.once('data', (chunk: Buffer) => resolve(String(chunk).trim().split(' '))),
    );
    const perRead = (s: number, n: number) => `${((s * 1000) / n).toFixed(3)} ms`;
    const cpu = () => ({ server: cpuSeconds(server.pid!), bench: cpuSeconds(process.pid) });
    const report = (
      generator: string,
      n: number,
      seconds: number,
      p50: number,
      p99: number,
      before: { server: number; bench: number },
    ) => {
      const after = cpu();
      console.log(
        `bare node:http, ${size} bytes, ${n} reads, ${AVAILABILITY_CONCURRENCY} clients, ${generator}: ` +
          `${Math.round(n / seconds)} reads/s, p50 ${p50} ms, p99 ${p99} ms; CPU per read: ` +
          `server ${perRead(after.server - before.server, n)}, generator ${perRead(after.bench - before.bench, n)}`,
      );
    };

    const client = createHttpClient(`http://127.0.0.1:${port}`, 'none', 256);
    await pool(2000, 10, () => client.get('/'));
    let before = cpu();
    const started = performance.now();
    const latencies = await pool(reads, AVAILABILITY_CONCURRENCY, async () => (await client.get('/')).ms);
    const latency = summarize(latencies);
    report('node:http client', reads, (performance.now() - started) / 1000, latency.p50, latency.p99, before);
    client.close();

    const url = `http://127.0.0.1:${port}/`;
    await autocannon({ url, connections: AVAILABILITY_CONCURRENCY, amount: 2000 });
    before = cpu();
    const result = await autocannon({ url, connections: AVAILABILITY_CONCURRENCY, amount: reads });
    report('autocannon', result.requests.total, result.duration, result.latency.p50, result.latency.p99, before);
  } finally {
    server.kill();
  }
}

void main();
