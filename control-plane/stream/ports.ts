// The agent stream handler's collaborators. The stream code depends only on these; the storage
// layer implements them over the database, and tests pass in-memory fakes that behave.
import type { ReviewRequest } from "../../gen/palisade/agent/v1/agent_pb.js";
import type { Exchange } from "../../gen/palisade/agent/v1/exchange_pb.js";
import type { Snapshot } from "../../gen/palisade/agent/v1/snapshot_pb.js";

/** An enrolled agent, as the stream handler needs to know it. */
export interface EnrolledAgent {
  name: string;
  segment: string;
}

/** One stream of one instance of an agent: what its bookkeeping is keyed by. */
export interface AgentStreamKey {
  agent: string;
  /** The instance its Hello named ("" for agents older than instances). */
  instance: string;
  /** Random per stream: writes of a superseded stream of the same instance change nothing. */
  stream: string;
}

/** What an accepted Hello reports. */
export interface HelloReport {
  version: string;
  segment: string;
  /** The snapshot version the instance already runs ("" when none). */
  lastSnapshotVersion: string;
}

/** Agent identity and per-instance state bookkeeping. */
export interface AgentRegistry {
  /** Resolves an enrolment token (`<agent-name>.<secret>`) to its agent, or undefined. */
  authenticate(token: string): Promise<EnrolledAgent | undefined>;
  /** Records an accepted Hello: the instance's stream is open (it takes over the instance's state). */
  connected(key: AgentStreamKey, hello: HelloReport): Promise<void>;
  /** Records an ACK (error empty) or NACK of the snapshot the instance now runs. */
  applied(key: AgentStreamKey, version: string, error: string): Promise<void>;
  /** Records liveness (heartbeat or any message). */
  seen(key: AgentStreamKey): Promise<void>;
  /** Records that the stream closed. */
  disconnected(key: AgentStreamKey): Promise<void>;
}

/**
 * Immutable snapshots per segment, rebuilt when the database changes. `current` never touches the
 * database; `watch` calls back after every rebuild (versions derive from the database).
 */
export interface SnapshotSource {
  /** The snapshot for a segment, without nonce (the stream sets one per push). */
  current(segment: string): Snapshot;
  /** Calls `onChange` after each rebuild; returns a function that stops watching. */
  watch(onChange: () => void): () => void;
}

/** Durable storage of recorded exchanges. */
export interface ExchangeSink {
  /**
   * Commits the exchanges (idempotent by id) and resolves with the ids now stored, duplicates
   * included, only after the transaction has committed. Each exchange's `agentInstance` is
   * already set from the stream.
   */
  commit(agent: string, exchanges: Exchange[]): Promise<string[]>;
}

/** Where review requests go. */
export interface ReviewSink {
  /**
   * Stores the request of `instance` of `agent` (idempotent by id); resolves with "" when stored,
   * else why not (never throws).
   */
  request(agent: string, review: ReviewRequest, instance: string): Promise<string>;
}
