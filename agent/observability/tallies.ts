// Per-request series counted by the agent itself and handed to prom-client at each scrape.
// prom-client's `inc` and `observe` validate and hash the label object on every call (and a
// histogram's turns each bucket bound into a property name): ~2 % of the agent's CPU per request.
// Here the caller finds its series' tally once per label set (its own Map by label value) and
// adds to plain numbers; `collect`, which prom-client runs before every read (the text scrape and
// the JSON `--workers` aggregation alike), hands the totals over. The series come out as
// prom-client's own would: the same values (a histogram's sum added in the same order), in the
// order each label set was first counted (tallies.test.ts holds them to plain prom-client).
import { Counter, Histogram, type CounterConfiguration, type HistogramConfiguration } from "prom-client";

/** One counter series: add to `count`. */
export interface CounterTally {
  count: number;
}

/** One histogram series: `observe` a value (seconds). */
export interface HistogramTally {
  observe(value: number): void;
}

/** A counter whose series are tallies; `series(labels)` makes one per label set (call it once per set). */
export function talliedCounter<T extends string>(config: CounterConfiguration<T>): { counter: Counter<T>; series(labels: Record<T, string>): CounterTally } {
  const tallies: { labels: Record<T, string>; count: number; handed: number }[] = [];
  const counter = new Counter<T>({
    ...config,
    collect() {
      for (const tally of tallies) {
        if (tally.count === tally.handed) continue;
        this.inc(tally.labels, tally.count - tally.handed);
        tally.handed = tally.count;
      }
    },
  });
  return {
    counter,
    series(labels) {
      const tally = { labels, count: 0, handed: 0 };
      tallies.push(tally);
      return tally;
    },
  };
}

// prom-client's record of one histogram series (Histogram's `hashMap` values, lib/histogram.js).
interface BucketData {
  labels: object;
  bucketValues: Record<number, number>;
  sum: number;
  count: number;
}

/** A histogram whose series are tallies; `series(labels)` makes one per label set (call it once per set). */
export function talliedHistogram<T extends string>(config: HistogramConfiguration<T> & { buckets: number[] }): { histogram: Histogram<T>; series(labels: Record<T, string>): HistogramTally } {
  const bounds = config.buckets;
  type Tally = HistogramTally & { labels: Record<T, string>; counts: number[]; sum: number; count: number; data?: BucketData };
  const tallies: Tally[] = [];
  const histogram = new Histogram<T>({
    ...config,
    collect() {
      const own = this as unknown as { hashMap: Record<string, BucketData> };
      for (const tally of tallies) {
        if (!tally.data) {
          if (tally.count === 0) continue;
          // prom-client's record for the label set, made by its own hand (the key is its hash).
          this.zero(tally.labels);
          tally.data = Object.values(own.hashMap).find((data) => data.labels === tally.labels);
          if (!tally.data) throw new Error(`histogram ${config.name}: no series made for its labels`);
        }
        const data = tally.data;
        data.sum = tally.sum;
        data.count = tally.count;
        for (let index = 0; index < bounds.length; index++) data.bucketValues[bounds[index]!] = tally.counts[index]!;
      }
    },
  });
  return {
    histogram,
    series(labels) {
      const tally: Tally = {
        labels,
        counts: bounds.map(() => 0),
        sum: 0,
        count: 0,
        observe(value) {
          // As prom-client's observe: a value that is not a finite number is refused.
          if (!Number.isFinite(value)) throw new TypeError(`Value is not a valid number: ${value}`);
          // The first bound the value is within (past the last: counted in +Inf only).
          for (let index = 0; index < bounds.length; index++) {
            if (value <= bounds[index]!) {
              this.counts[index]!++;
              break;
            }
          }
          this.sum += value;
          this.count++;
        },
      };
      tallies.push(tally);
      return tally;
    },
  };
}
