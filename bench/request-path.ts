/**
 * The proxy's own cost per request, without the kernel: one worker runtime on the main thread,
 * its listener and upstream connections replaced by in-memory sockets. A wrk-like request goes in,
 * the origin's response (nginx's, byte for byte) comes back, and the loop measures requests/s of
 * pure JavaScript and runtime work. `bun --cpu-prof bench/request-path.ts` profiles it without the
 * native-socket misattribution of a real run. `--json` prints one JSON line.
 */
import { ONE_ROUTE_CONFIG, startMemoryWorker } from '../test/support/memory-runtime.ts';


const REQUEST = 'GET / HTTP/1.1\r\nHost: 127.0.0.1:18080\r\n\r\n';
const RESPONSE =
  'HTTP/1.1 200 OK\r\nServer: nginx/1.22.1\r\nDate: Wed, 25 Nov 2026 03:20:19 GMT\r\n' +
  'Content-Type: application/octet-stream\r\nContent-Length: 13\r\nConnection: keep-alive\r\n\r\nhello, world\n';

const worker = await startMemoryWorker(ONE_ROUTE_CONFIG, false);
const real = worker.adapter;
const json = real.args().includes('--json');
const enc = new TextEncoder();
const request = enc.encode(REQUEST);
const response = enc.encode(RESPONSE);
const client = worker.connect();
const upstreams = worker.upstreams;

/** One request through the proxy; each side gets fresh chunks, as a runtime's socket would give. */
function once(): void {
  client.feed(request);
  upstreams[0]!.feed(response);
}

// The first request opens the upstream connection (a promise): let it settle.
client.feed(request);
await new Promise((r) => setTimeout(r, 10));
upstreams[0]!.feed(response);
if (client.writeCount !== 1) throw new Error(`expected one response write, saw ${client.writeCount}`);

const BUDGET_MS = 1000;
const ROUNDS = 6;
/** Each request ends with a microtask checkpoint, as a runtime runs one after every socket event. */
async function round(): Promise<number> {
  const start = real.now();
  let n = 0;
  while (real.now() - start < BUDGET_MS) {
    for (let i = 0; i < 1000; i++) {
      once();
      await null;
    }
    n += 1000;
  }
  return (n * 1000) / (real.now() - start);
}
await round();
const rates: number[] = [];
for (let i = 0; i < ROUNDS; i++) {
  rates.push(await round());
  // Let timers (stats flush, maintenance) run between rounds as an event loop would.
  await new Promise((r) => setTimeout(r, 5));
}
rates.sort((a, b) => a - b);
const median = rates[rates.length >> 1]!;
if (client.writeCount < ROUNDS * 1000 || upstreams.length !== 1) throw new Error('the loop did not proxy');
if (json) real.writeStdout(JSON.stringify({ runtime: real.name, version: real.version, requestsPerSecond: Math.round(median) }));
else real.writeStdout(`${real.name} ${real.version}: ${Math.round(median).toLocaleString('en-US')} requests/s through the proxy's request path (${(1e6 / median).toFixed(2)} µs each), median of ${ROUNDS}`);
await worker.stop();
