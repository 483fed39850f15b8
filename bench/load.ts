// Fixed-duration HTTP load with autocannon, keeping every response's latency at full (sub-ms)
// precision: autocannon's own histogram records whole milliseconds, too coarse for a 1 ms target,
// so the figures here come from its per-response events instead. With one connection the load is
// a closed loop of one request at a time (below saturation: latency without queueing); with ten,
// the server is saturated and latency includes the wait in its queue.
import { createRequire } from "node:module";
import { percentile } from "./bench.js";

interface AutocannonOptions {
  url: string;
  method: "POST" | "GET";
  headers: Record<string, string>;
  body: string;
  connections: number;
  duration: number;
}
interface AutocannonResult {
  errors: number;
  timeouts: number;
  non2xx: number;
}
interface AutocannonInstance {
  on(event: "response", listener: (client: unknown, statusCode: number, bytes: number, responseTime: number) => void): void;
}
type Autocannon = (options: AutocannonOptions, done: (error: Error | null, result: AutocannonResult) => void) => AutocannonInstance;

// autocannon is CommonJS without types.
const autocannon = createRequire(import.meta.url)("autocannon") as Autocannon;

/** What a load run measured: 2xx latencies in ms, requests per second, and the run's length in s. */
export interface LoadFigures {
  p50: number;
  p99: number;
  perSecond: number;
  requests: number;
  seconds: number;
}

/** Sends `body` to `url` from `connections` keep-alive connections for `seconds`; throws on any failure. */
export async function load(url: string, headers: Record<string, string>, body: string, seconds: number, connections: number): Promise<LoadFigures> {
  const latencies: number[] = [];
  const started = process.hrtime.bigint();
  const result = await new Promise<AutocannonResult>((resolve, reject) => {
    const instance = autocannon({ url, method: "POST", headers, body, connections, duration: seconds }, (error, done) => (error ? reject(error) : resolve(done)));
    instance.on("response", (_client, status, _bytes, responseTime) => {
      if (status >= 200 && status < 300) latencies.push(responseTime);
    });
  });
  const elapsed = Number(process.hrtime.bigint() - started) / 1e9;
  if (result.errors > 0 || result.timeouts > 0 || result.non2xx > 0) {
    throw new Error(`load on ${url} failed: ${result.errors} errors, ${result.timeouts} timeouts, ${result.non2xx} non-2xx`);
  }
  const requests = latencies.length;
  return { p50: percentile(latencies, 50), p99: percentile(latencies, 99), perSecond: requests / elapsed, requests, seconds: elapsed };
}
