// What the primary and the workers of `palisade agent --workers N` say to each other over the
// cluster IPC channel (docs/agent.md "Workers"). prom-client's own aggregation messages travel
// beside these.
import type { LimitKind } from "../policy/limits.js";

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

/** A policy's limits as a worker's snapshot has them (the primary counts by what it is sent). */
export interface SharedLimit {
  name: string;
  requestsPerMinute: number;
  tokensPerHour: number;
}

/** Who is counted. */
export interface SharedIdentity {
  subject: string;
  issuer: string;
}

/** A worker asks the primary to admit (and count) one request under `limits`. */
export interface LimitsAdmitRequest {
  type: "palisade:limits-admit";
  id: number;
  limits: SharedLimit[];
  identity: SharedIdentity;
  now: number;
  /** The request's estimated tokens, reserved in the token windows until its charge settles them. */
  tokens?: number;
}

/** The primary's answer: admitted, or the policy (by name) whose limit is reached. */
export interface LimitsAdmitResponse {
  type: "palisade:limits";
  id: number;
  refused?: { policy: string; limit: LimitKind; retryAfterSeconds: number };
}

/** A worker settles the token windows to the usage of an admitted request (its reservation, if any, becomes it). */
export interface LimitsCharge {
  type: "palisade:limits-charge";
  limits: SharedLimit[];
  identity: SharedIdentity;
  tokens: number;
  now: number;
  /** What the admission reserved, and when. */
  reserved?: { tokens: number; at: number };
}

/** Any of the above. */
export type ClusterMessage =
  | ListeningMessage | MetricsRequest | MetricsResponse | LimitsAdmitRequest | LimitsAdmitResponse | LimitsCharge;

/** Narrows an IPC message to one of ours of `type`. */
export function isMessage<T extends ClusterMessage["type"]>(message: unknown, type: T): message is Extract<ClusterMessage, { type: T }> {
  return typeof message === "object" && message !== null && (message as { type?: unknown }).type === type;
}
