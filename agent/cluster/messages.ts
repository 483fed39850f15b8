// What the primary and the workers of `palisade agent --workers N` say to each other over the
// cluster IPC channel (docs/agent.md "Workers"). prom-client's own aggregation messages travel
// beside these.

/** Set to "1" by the primary on a worker it forks to replace one that died while others serve. */
export const REPLACEMENT_ENV = "PALISADE_WORKER_REPLACEMENT";

/** A worker is serving: its listener is up and its control stream is starting. */
export interface ListeningMessage {
  type: "palisade:listening";
  url: string;
  instance: string;
}

/** A worker answering `/-/metrics` asks the primary for every worker's series. */
export interface MetricsRequest {
  type: "palisade:metrics-request";
  id: number;
}

/** The primary's answer: the summed series, or why they could not be gathered. */
export interface MetricsResponse {
  type: "palisade:metrics";
  id: number;
  text?: string;
  error?: string;
}

/** Any of the above. */
export type ClusterMessage = ListeningMessage | MetricsRequest | MetricsResponse;

/** Narrows an IPC message to one of ours of `type`. */
export function isMessage<T extends ClusterMessage["type"]>(message: unknown, type: T): message is Extract<ClusterMessage, { type: T }> {
  return typeof message === "object" && message !== null && (message as { type?: unknown }).type === type;
}
