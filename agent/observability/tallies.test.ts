// Tallied series against plain prom-client fed the same counts: the same text scrape and the same
// JSON (what `--workers` aggregates), whatever the label values, values and scrape points.
import fc from "fast-check";
import { AggregatorRegistry, Counter, Histogram, Registry } from "prom-client";
import { describe, expect, it } from "vitest";
import { talliedCounter, talliedHistogram, type CounterTally, type HistogramTally } from "./tallies.js";

const buckets = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120];
const label = fc.oneof(fc.constantFrom("", "openai", "anthropic", "a,b", "x:y", "connection:openai,"), fc.string({ maxLength: 6 }));
const value = fc.oneof(fc.constantFrom(0, 0.005, 0.0050001, 0.01, 1, 120, 120.5, 1e6), fc.double({ min: 0, max: 200, noNaN: true }));
type Step = { kind: "count"; a: string; b: string } | { kind: "observe"; a: string; value: number } | { kind: "scrape" };
const step: fc.Arbitrary<Step> = fc.oneof(
  { weight: 4, arbitrary: fc.record({ kind: fc.constant("count" as const), a: label, b: label }) },
  { weight: 4, arbitrary: fc.record({ kind: fc.constant("observe" as const), a: label, value }) },
  { weight: 1, arbitrary: fc.constant({ kind: "scrape" as const }) },
);

function sides() {
  const plain = new Registry();
  const counter = new Counter({ name: "c_total", help: "c", labelNames: ["policy", "verdict"], registers: [plain] });
  const histogram = new Histogram({ name: "h_seconds", help: "h", labelNames: ["connection"], buckets, registers: [plain] });
  const tallied = new Registry();
  const counts = talliedCounter({ name: "c_total", help: "c", labelNames: ["policy", "verdict"], registers: [tallied] });
  const observed = talliedHistogram({ name: "h_seconds", help: "h", labelNames: ["connection"], buckets, registers: [tallied] });
  const countSeries = new Map<string, CounterTally>();
  const histogramSeries = new Map<string, HistogramTally>();
  return {
    plain,
    tallied,
    count(a: string, b: string) {
      counter.inc({ policy: a, verdict: b });
      const key = JSON.stringify([a, b]);
      let tally = countSeries.get(key);
      if (!tally) countSeries.set(key, (tally = counts.series({ policy: a, verdict: b })));
      tally.count++;
    },
    observe(a: string, seconds: number) {
      histogram.observe({ connection: a }, seconds);
      let tally = histogramSeries.get(a);
      if (!tally) histogramSeries.set(a, (tally = observed.series({ connection: a })));
      tally.observe(seconds);
    },
  };
}

async function scrapes(plain: Registry, tallied: Registry) {
  const [plainText, talliedText, plainJson, talliedJson] = await Promise.all([plain.metrics(), tallied.metrics(), plain.getMetricsAsJSON(), tallied.getMetricsAsJSON()]);
  return { plain: { text: plainText, json: plainJson }, tallied: { text: talliedText, json: talliedJson } };
}

describe("tallied series", () => {
  it("scrape as plain prom-client fed the same counts (text and JSON, every scrape)", async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(step, { maxLength: 80, size: "max" }), async (steps) => {
        const side = sides();
        for (const each of [...steps, { kind: "scrape" } as Step]) {
          if (each.kind === "count") side.count(each.a, each.b);
          else if (each.kind === "observe") side.observe(each.a, each.value);
          else {
            const seen = await scrapes(side.plain, side.tallied);
            expect(seen.tallied).toEqual(seen.plain);
          }
        }
      }),
      { numRuns: 300 },
    );
  });

  it("aggregate across workers as plain prom-client's series do", async () => {
    const workers = [sides(), sides()];
    workers[0]!.count("p", "allowed");
    workers[0]!.observe("openai", 0.02);
    workers[1]!.count("p", "allowed");
    workers[1]!.count("q", "denied");
    workers[1]!.observe("openai", 3);
    workers[1]!.observe("anthropic", 0.3);
    const plain = AggregatorRegistry.aggregate(await Promise.all(workers.map((worker) => worker.plain.getMetricsAsJSON())));
    const tallied = AggregatorRegistry.aggregate(await Promise.all(workers.map((worker) => worker.tallied.getMetricsAsJSON())));
    expect(await tallied.metrics()).toEqual(await plain.metrics());
    expect(await tallied.metrics()).toContain('h_seconds_bucket{le="5",connection="openai"} 2');
  });

  it("refuses a value that is not a finite number, as prom-client's observe does (no series shows)", async () => {
    const registry = new Registry();
    const observed = talliedHistogram({ name: "n_seconds", help: "n", labelNames: ["connection"], buckets, registers: [registry] });
    expect(() => observed.series({ connection: "a" }).observe(Number.NaN)).toThrow(TypeError);
    expect(await registry.metrics()).not.toContain('connection="a"');
  });
});
