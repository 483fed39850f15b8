// What a shared limit costs: the time an admission adds to a request (one Lua script call to Redis,
// through the agent's own gate and ioredis client) beside a bare PING (one round trip) and the
// per-agent counters in memory, one request at a time; and how many limit decisions per second one
// Redis takes with several agents' connections keeping it busy. Uses the machine's Redis
// (127.0.0.1:6379) with a key prefix of its own, dropped afterwards. Targets (issue 14): at most one
// round trip, pipelined; p50 at most 0.2 ms on loopback.
import { Redis } from "ioredis";
import pino from "pino";
import { createCounterStores } from "../agent/limits/counter-store.js";
import { createSharedLimitGate } from "../agent/limits/shared-limit-gate.js";
import { createLimitTracker, type LimitGate, type LimitedPolicy } from "../agent/policy/limits.js";
import { dropPrefix, SHARED_REDIS_URL, uniquePrefix } from "../test/support/redis.js";
import { percentile, type Bench, type Metric } from "./bench.js";

const SEQUENTIAL = 5_000;
const WARMUP = 1_000;
const CONNECTIONS = 4; // agents, each with its own connection
const IN_FLIGHT = 64; // per connection
const THROUGHPUT_MS = 5_000;
const IDENTITIES = 10_000;

// A request under two policies (requests per minute and tokens per hour): three windows in one script call.
const policies: LimitedPolicy[] = [
  { name: "per-user", limits: { requestsPerMinute: 1_000_000, tokensPerHour: 1_000_000_000, onStoreDown: "deny" } },
  { name: "per-team", limits: { requestsPerMinute: 1_000_000, tokensPerHour: 0, onStoreDown: "deny" } },
];
const identity = (i: number) => ({ subject: `user-${i % IDENTITIES}@example.com`, issuer: "https://issuer.example" });

function redisCpuSeconds(info: string): number {
  const field = (name: string) => Number(info.match(new RegExp(`${name}:([\\d.]+)`))?.[1] ?? 0);
  return field("used_cpu_sys") + field("used_cpu_user");
}

async function timeEach(count: number, work: (i: number) => Promise<unknown>): Promise<number[]> {
  const samples: number[] = [];
  for (let i = 0; i < count; i++) {
    const start = process.hrtime.bigint();
    await work(i);
    samples.push(Number(process.hrtime.bigint() - start) / 1e3);
  }
  return samples;
}

const bench: Bench = {
  description: "shared limits: admission latency (one Lua call) vs a Redis PING and in-memory counters; decisions/s one Redis takes",
  async run() {
    const keyPrefix = uniquePrefix();
    const logger = pino({ level: "silent" });
    const config = { url: SHARED_REDIS_URL, keyPrefix };
    const stores = Array.from({ length: CONNECTIONS }, () => createCounterStores(logger));
    // A call slower than the store's timeout (1 s) counts as Redis down: counted, not fatal.
    let slow = 0;
    const gates: LimitGate[] = stores.map((counterStores) => createSharedLimitGate({
      local: createLimitTracker(), stores: counterStores, counterStore: () => config, onStoreDown: () => { slow++; },
    }));
    const ping = new Redis(SHARED_REDIS_URL);
    const local = createLimitTracker();
    try {
      const admit = async (gate: LimitGate, i: number) => {
        const admission = await gate.admit(policies, identity(i), Date.now(), { tokens: 500 });
        if (!admission.ok && admission.limit !== "counter store") throw new Error(`refused: ${admission.limit}`);
        if (admission.ok) admission.chargeTokens(300, Date.now()); // the settlement, after the reply (off the request's path)
      };
      await timeEach(WARMUP, (i) => admit(gates[0]!, i));
      await timeEach(WARMUP, () => ping.ping());
      const pings = await timeEach(SEQUENTIAL, () => ping.ping());
      const shared = await timeEach(SEQUENTIAL, (i) => admit(gates[0]!, i));
      const inMemory = await timeEach(SEQUENTIAL, async (i) => local.admit(policies, identity(i), Date.now()));

      // Throughput: every connection keeps IN_FLIGHT admissions going.
      const redisCpuBefore = redisCpuSeconds(await ping.info("cpu"));
      let decisions = 0;
      const stopAt = Date.now() + THROUGHPUT_MS;
      const started = process.hrtime.bigint();
      const cpuBefore = process.cpuUsage();
      await Promise.all(gates.flatMap((gate, g) => Array.from({ length: IN_FLIGHT }, async (_, lane) => {
        for (let i = g * 1_000_003 + lane * 7919; Date.now() < stopAt; i += IN_FLIGHT) {
          await admit(gate, i);
          decisions++;
        }
      })));
      const seconds = Number(process.hrtime.bigint() - started) / 1e9;
      const cpu = process.cpuUsage(cpuBefore);
      const rate = decisions / seconds;
      // Redis's own CPU per decision: what bounds one Redis (single-threaded) whatever drives it.
      const redisUs = ((redisCpuSeconds(await ping.info("cpu")) - redisCpuBefore) * 1e6) / decisions;

      const metrics: Metric[] = [
        { name: "limits: Redis PING round trip p50", value: percentile(pings, 50), unit: "µs", note: `${SEQUENTIAL} one at a time: the floor for anything shared` },
        { name: "limits: shared admission p50", value: percentile(shared, 50), unit: "µs", note: "2 policies, 3 windows, one Lua call (target ≤ 200 µs, ≈ one round trip)" },
        { name: "limits: shared admission p99", value: percentile(shared, 99), unit: "µs", note: "same" },
        { name: "limits: in-memory admission p50", value: percentile(inMemory, 50), unit: "µs", note: "per-agent counters, for comparison" },
        { name: "limits: time per decision at saturation", value: 1e6 / rate, unit: "µs", note: `${Math.round(rate)} decisions/s with ${CONNECTIONS} connections x ${IN_FLIGHT} in flight, ${slow} over the 1 s timeout; bench process (the agents' side) at ${((cpu.user + cpu.system) / 1e3 / (seconds * 1000) * 100).toFixed(0)} % of one core` },
        { name: "limits: Redis CPU per decision", value: redisUs, unit: "µs", note: `one Redis core would take ~${Math.round(1e6 / redisUs)} decisions/s (INFO cpu before/after; other users of this Redis count too)` },
      ];
      return metrics;
    } finally {
      ping.disconnect();
      for (const counterStores of stores) await counterStores.close();
      await dropPrefix(keyPrefix);
    }
  },
};

export default bench;
