// Keeps the agent's control stream up: opens it, and when it ends for any reason waits a
// backed-off, jittered delay and opens another. The agent keeps serving on its last good snapshot
// meanwhile; recorded exchanges wait in the buffer and go out on the next stream.
import * as grpc from "@grpc/grpc-js";
import type { Logger } from "pino";
import type { ReviewRequest } from "../../gen/palisade/agent/v1/agent_pb.js";
import type { SnapshotStore } from "../config/snapshot-store.js";
import { createBackoff, defaultBackoff, type BackoffOptions } from "../../core/net/backoff.js";
import { certificateCheck } from "./certificate-check.js";
import { defaultInstanceName } from "./instance-name.js";
import { openControlStream, type BatchOptions, type ControlStream } from "./control-stream.js";
import type { ExchangeBuffer } from "./exchange-buffer.js";

/** What became of a ReviewRequest. */
export type ReviewSubmission = { outcome: "stored" } | { outcome: "refused" | "unanswered"; error: string };

/** Settings of the stream client. */
export interface StreamClientOptions {
  controlPlane: string;
  token: string;
  segment: string;
  /** This process's instance name (Hello.instance); default `<hostname>/<pid>` (instance-name.ts). */
  instance?: string;
  version: string;
  store: SnapshotStore;
  buffer: ExchangeBuffer;
  logger: Logger;
  /** CA bundle (PEM) trusted for an `https://` control plane; default Node's roots. */
  ca?: Buffer;
  backoff?: BackoffOptions;
  batch?: BatchOptions;
}

/** The running client. */
export interface StreamClient {
  /** True while a stream is established (the control plane answered its Hello). */
  readonly connected: boolean;
  /** Streams opened after the first one. */
  readonly reconnects: number;
  /** Waits (up to `timeoutMs`) until every buffered exchange is acknowledged; false if some remain. */
  flush(timeoutMs: number): Promise<boolean>;
  /**
   * Sends a ReviewRequest on the current stream and waits (up to `timeoutMs`) for its ReviewAck:
   * stored, refused by the control plane (its reason), or unanswered (no stream, no ack in time).
   */
  requestReview(request: ReviewRequest, timeoutMs: number): Promise<ReviewSubmission>;
  /** Ends the stream and stops reconnecting. */
  close(): Promise<void>;
}

const defaultBatch: BatchOptions = { maxCount: 500, maxBytes: 4 * 1024 * 1024, delayMs: 50 };

/**
 * The grpc-js target and credentials for a control-plane URL: `http://` is h2c, `https://` is TLS
 * verified against `ca` (PEM bundle) when given, else against Node's default roots.
 */
export function grpcTarget(controlPlane: string, ca?: Buffer): { target: string; credentials: grpc.ChannelCredentials } {
  const url = new URL(controlPlane);
  if (url.protocol !== "http:" && url.protocol !== "https:") throw new Error(`control plane URL must be http(s): ${controlPlane}`);
  const tls = url.protocol === "https:";
  const port = url.port || (tls ? "443" : "80");
  // URL.hostname keeps an IPv6 address in brackets, as grpc-js targets want it.
  const credentials = tls ? grpc.credentials.createSsl(ca ?? null) : grpc.credentials.createInsecure();
  return { target: `${url.hostname}:${port}`, credentials };
}

// Statuses that mean "this agent, as configured, is refused" (bad or revoked token, protocol
// mismatch): retrying at once would fail again, so retry only at the slowest pace and log an error.
// Retrying at all (rather than stopping) keeps the failure visible and picks up a fix by the operator.
const refusedStatuses = new Set([grpc.status.UNAUTHENTICATED, grpc.status.PERMISSION_DENIED, grpc.status.FAILED_PRECONDITION, grpc.status.INVALID_ARGUMENT]);
// Of those, the ones that mean the enrolment itself is gone (token unknown, agent deleted): the
// agent must not go on serving, with the connections' credentials, on configuration the control
// plane no longer gives it. It drops its snapshot and refuses requests with 503 (fail closed).
// A control plane that is merely unreachable is different: the agent keeps its last good snapshot.
const revokedStatuses = new Set([grpc.status.UNAUTHENTICATED, grpc.status.PERMISSION_DENIED]);

/** Waits `ms`, or less if `signal` aborts; leaves no listener behind either way. */
export function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const done = () => {
      clearTimeout(timer);
      signal.removeEventListener("abort", done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    signal.addEventListener("abort", done, { once: true });
  });
}

/** Starts connecting in the background; never throws for network failures. */
export function startStreamClient(options: StreamClientOptions): StreamClient {
  const { target, credentials } = grpcTarget(options.controlPlane, options.ca);
  const client = new grpc.Client(target, credentials, {
    "grpc.keepalive_time_ms": 20_000,
    "grpc.keepalive_timeout_ms": 10_000,
    "grpc.keepalive_permit_without_calls": 1,
    "grpc.max_receive_message_length": 64 * 1024 * 1024,
  });
  const backoffOptions = options.backoff ?? defaultBackoff;
  const backoff = createBackoff(backoffOptions);
  const stopping = new AbortController();
  const agentName = options.token.split(".")[0] ?? "";
  const instance = options.instance ?? defaultInstanceName();
  const checkCertificate = certificateCheck(options.controlPlane, options.ca);
  let stream: ControlStream | undefined;
  let opened = 0;

  options.buffer.onChange(() => stream?.schedule());

  const run = async () => {
    while (!stopping.signal.aborted) {
      opened++;
      stream = openControlStream({
        client,
        token: options.token,
        hello: { agentName, segment: options.segment, version: options.version, instance },
        store: options.store,
        buffer: options.buffer,
        batch: options.batch ?? defaultBatch,
        logger: options.logger,
      });
      const result = await stream.ended;
      const welcomedAt = stream.welcomedAt;
      backoff.streamEnded(welcomedAt === undefined ? 0 : Date.now() - welcomedAt);
      if (stopping.signal.aborted) break;
      // grpc-js reports a refusal as an "error" (a ServiceError carrying the status code) or a "status".
      const code = typeof (result as { code?: unknown }).code === "number" ? (result as { code: grpc.status }).code : undefined;
      const refused = code !== undefined && refusedStatuses.has(code);
      const delay = refused ? backoffOptions.capMs : backoff.next();
      const detail = result instanceof Error ? { error: result.message } : { code: grpc.status[result.code], details: result.details };
      const log = { ...detail, retryInMs: delay, buffered: options.buffer.held };
      const revoked = code !== undefined && revokedStatuses.has(code);
      // Never welcomed and unreachable: a certificate this agent does not trust is worth an error.
      const certificate = welcomedAt === undefined && code === grpc.status.UNAVAILABLE ? await checkCertificate() : undefined;
      if (certificate !== undefined) {
        options.logger.error({ ...log, controlPlane: options.controlPlane }, `cannot connect to the control plane: ${certificate}; retrying`);
      } else if (revoked && options.store.current()) {
        options.store.clear();
        options.logger.error(log, "control plane revoked this agent's enrolment; configuration dropped, requests refused");
      } else if (refused) options.logger.error(log, "control plane refused this agent; retrying slowly");
      else options.logger.warn(log, "control stream ended; reconnecting");
      await sleep(delay, stopping.signal);
    }
  };
  const running = run();

  return {
    // biome-ignore lint/plugin: made once per process (or per connection), not per request
    get connected() {
      return stream?.welcomed ?? false;
    },
    // biome-ignore lint/plugin: made once per process (or per connection), not per request
    get reconnects() {
      return Math.max(0, opened - 1);
    },
    async requestReview(request, timeoutMs): Promise<ReviewSubmission> {
      const current = stream;
      if (!current?.welcomed) return { outcome: "unanswered", error: "control plane not connected" };
      let timer: NodeJS.Timeout | undefined;
      const timeout = new Promise<ReviewSubmission>((resolve) => {
        timer = setTimeout(resolve, timeoutMs, { outcome: "unanswered", error: `no ReviewAck within ${timeoutMs} ms` });
      });
      try {
        return await Promise.race([
          current.requestReview(request).then(
            (ack): ReviewSubmission => (ack.error ? { outcome: "refused", error: ack.error } : { outcome: "stored" }),
            (error: unknown): ReviewSubmission => ({ outcome: "unanswered", error: error instanceof Error ? error.message : String(error) }),
          ),
          timeout,
        ]);
      } finally {
        clearTimeout(timer);
      }
    },
    async flush(timeoutMs) {
      // Monotonic: a wall clock stepped back during shutdown must not stretch the wait by the step.
      const deadline = performance.now() + timeoutMs;
      while (options.buffer.held > 0 && performance.now() < deadline) {
        if (!stream?.welcomed) return false; // nobody to flush to
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
      return options.buffer.held === 0;
    },
    async close() {
      stopping.abort();
      const current = stream;
      if (current) {
        current.end();
        const closed = await Promise.race([current.ended.then(() => true), new Promise((resolve) => setTimeout(resolve, 2_000, false))]);
        if (!closed) current.cancel();
      }
      await running;
      client.close();
    },
  };
}
