// The worker side of `palisade agent --workers N`: tells the primary when it serves, shares its
// metrics for the primary's aggregation, and answers `/-/metrics` with every worker's series.
import cluster from "node:cluster";
import { AggregatorRegistry, type Registry } from "prom-client";
import { processMetrics } from "../../core/observability/metrics-text.js";
import { isMessage, type ClusterMessage } from "./messages.js";

/** A worker's link to its primary. */
export interface WorkerLink {
  /** The series of all workers, summed by the primary (for `/-/metrics`). */
  metricsText(): Promise<string>;
  /** Lets the primary collect `registry` (and the process's series) from this worker; says it serves. */
  serving(registry: Registry, url: string, instance: string): void;
}

const scrapeTimeoutMs = 10_000;

function send(message: ClusterMessage): void {
  process.send?.(message);
}

/** The link of this worker process (call only when `cluster.isWorker`). */
export function createWorkerLink(): WorkerLink {
  if (!cluster.isWorker) throw new Error("createWorkerLink: not a cluster worker");
  // Constructing one installs prom-client's responder to the primary's collection requests.
  new AggregatorRegistry();
  let next = 0;
  const waiting = new Map<number, { resolve(text: string): void; reject(error: Error): void }>();
  process.on("message", (message: unknown) => {
    if (!isMessage(message, "palisade:metrics")) return;
    const waiter = waiting.get(message.id);
    waiting.delete(message.id);
    if (message.error !== undefined) waiter?.reject(new Error(message.error));
    else waiter?.resolve(message.text ?? "");
  });
  return {
    metricsText() {
      const id = next++;
      return new Promise<string>((resolve, reject) => {
        const timer = setTimeout(() => {
          waiting.delete(id);
          reject(new Error(`the primary did not answer within ${scrapeTimeoutMs} ms`));
        }, scrapeTimeoutMs);
        waiting.set(id, {
          resolve: (text) => { clearTimeout(timer); resolve(text); },
          reject: (error) => { clearTimeout(timer); reject(error); },
        });
        send({ type: "palisade:metrics-request", id });
      });
    },
    serving(registry, url, instance) {
      AggregatorRegistry.setRegistries([registry, processMetrics()]);
      send({ type: "palisade:listening", url, instance });
    },
  };
}
