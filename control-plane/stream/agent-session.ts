// One agent's Connect stream after authentication: the Hello handshake, snapshot pushes with
// nonces, ACK/NACK bookkeeping, acknowledged exchange batches and heartbeats. Requests are handled
// strictly in order, one at a time, so a slow commit holds back the agent (HTTP/2 flow control)
// instead of piling up work here.
import { randomBytes } from "node:crypto";
import { create, type MessageInitShape } from "@bufbuild/protobuf";
import { durationFromMs, timestampNow } from "@bufbuild/protobuf/wkt";
import { Code, ConnectError } from "@connectrpc/connect";
import type { Logger } from "pino";
import {
  ConnectResponseSchema,
  type ConnectRequest,
  type ConnectResponse,
  type ExchangeBatch,
  type Hello,
  type ReviewRequest,
  type SnapshotAck,
} from "../../gen/palisade/agent/v1/agent_pb.js";
import { createOutboundQueue } from "./outbound-queue.js";
import type { AgentRegistry, AgentStreamKey, EnrolledAgent, ExchangeSink, ReviewSink, SnapshotSource } from "./ports.js";

/** What a session needs besides its agent and request stream. */
export interface SessionDeps {
  registry: AgentRegistry;
  snapshots: SnapshotSource;
  exchanges: ExchangeSink;
  /** Review requests; absent: every request is answered with an error (the agent refuses). */
  reviews?: ReviewSink;
  logger: Logger;
  heartbeatIntervalMs: number;
  controlPlaneVersion: string;
  /** An authenticated stream that sends no Hello within this time is ended (DEADLINE_EXCEEDED). */
  helloTimeoutMs: number;
}

/** An open stream of one agent instance. */
export interface AgentSession {
  agent: EnrolledAgent;
  /** The instance and stream, once the Hello was accepted (undefined before). */
  readonly key: AgentStreamKey | undefined;
  /** The response stream handed to connect-node. */
  responses: AsyncIterable<ConnectResponse>;
  /** Ends the stream with `error` (after what is already queued). */
  end(error: ConnectError): void;
  /** Resolves once the session has cleaned up (unwatched, timers stopped). */
  closed: Promise<void>;
}

// Outbound messages held for a reader that is not reading; beyond that the stream is ended.
// Snapshots replace unsent older ones and acks answer one batch each, so only a stuck agent gets here.
const outboundLimit = 256;

/** Why `instance` (Hello.instance) is refused, or undefined when it is acceptable. */
export function instanceProblem(instance: string): string | undefined {
  if (instance.length > 128) return `instance name longer than 128 characters (${instance.length})`;
  // Every control character (C0, DEL and C1: U+009B is a terminal's CSI), as `agent show` prints names.
  if (/\p{Cc}/u.test(instance)) return "instance name contains control characters";
  return undefined;
}

/**
 * Starts serving `requests` for an authenticated agent; the session ends when the agent
 * half-closes, on a protocol error, when `end` is called, or when `signal` aborts.
 */
export function openAgentSession(
  deps: SessionDeps,
  agent: EnrolledAgent,
  requests: AsyncIterable<ConnectRequest>,
  signal: AbortSignal,
): AgentSession {
  let log = deps.logger.child({ agent: agent.name });
  const queue = createOutboundQueue<ConnectResponse>({
    limit: outboundLimit,
    overflowError: () => new ConnectError("agent is not reading its stream", Code.ResourceExhausted),
  });
  let segment: string | undefined; // set by the Hello
  let key: AgentStreamKey | undefined; // set by the Hello
  let pushedVersion: string | undefined;
  let latestNonce: string | undefined;
  let unwatch: (() => void) | undefined;
  let heartbeat: NodeJS.Timeout | undefined;
  let cleanedUp = false;
  let resolveClosed!: () => void;
  const closed = new Promise<void>((resolve) => (resolveClosed = resolve));

  const send = (message: NonNullable<MessageInitShape<typeof ConnectResponseSchema>["message"]>) =>
    queue.push(create(ConnectResponseSchema, { message }), (queued) =>
      // An unsent older snapshot is obsolete once a newer one is queued.
      message.case === "snapshot" && queued.message.case === "snapshot",
    );

  function pushSnapshotIfChanged(): void {
    if (segment === undefined || queue.ended) return;
    let snapshot: ReturnType<typeof deps.snapshots.current>;
    try {
      snapshot = deps.snapshots.current(segment);
    } catch (err) {
      log.error({ err }, "no snapshot for the agent's segment");
      queue.end(new ConnectError("configuration unavailable", Code.Unavailable));
      return;
    }
    if (snapshot.version === pushedVersion) return;
    const nonce = randomBytes(12).toString("base64url");
    pushedVersion = snapshot.version;
    latestNonce = nonce;
    // The source's snapshot is shared by every stream: copy it to set this push's nonce.
    send({ case: "snapshot", value: { ...snapshot, nonce } });
    log.debug({ version: snapshot.version, nonce }, "snapshot pushed");
  }

  // A stream that authenticates and then says nothing would otherwise be held open forever.
  const helloDeadline = setTimeout(() => {
    log.warn({ helloTimeoutMs: deps.helloTimeoutMs }, "no Hello in time; ending the stream");
    queue.end(new ConnectError(`no Hello within ${deps.helloTimeoutMs} ms`, Code.DeadlineExceeded));
  }, deps.helloTimeoutMs);

  async function onHello(hello: Hello): Promise<void> {
    clearTimeout(helloDeadline);
    if (hello.agentName !== agent.name) {
      throw new ConnectError(`token belongs to agent "${agent.name}", not "${hello.agentName}"`, Code.PermissionDenied);
    }
    if (hello.segment !== "" && hello.segment !== agent.segment) {
      throw new ConnectError(
        `agent "${agent.name}" is enrolled for segment "${agent.segment}", not "${hello.segment}"`,
        Code.PermissionDenied,
      );
    }
    const problem = instanceProblem(hello.instance);
    if (problem) throw new ConnectError(`agent "${agent.name}": ${problem}`, Code.InvalidArgument);
    const streamKey: AgentStreamKey = { agent: agent.name, instance: hello.instance, stream: randomBytes(9).toString("base64url") };
    await bookkeeping("connected", () =>
      deps.registry.connected(streamKey, { version: hello.version, segment: agent.segment, lastSnapshotVersion: hello.lastSnapshotVersion }));
    key = streamKey;
    log = log.child({ instance: hello.instance });
    if (cleanedUp) {
      // The stream went away meanwhile (its close found no key to record): record it here, and
      // start no timer or watch.
      await deps.registry.disconnected(streamKey).catch((err: unknown) => log.warn({ err }, "registry.disconnected failed"));
      return;
    }
    log.info({ version: hello.version, lastSnapshotVersion: hello.lastSnapshotVersion }, "agent connected");
    segment = agent.segment;
    send({
      case: "welcome",
      value: {
        controlPlaneVersion: deps.controlPlaneVersion,
        segment,
        heartbeatInterval: durationFromMs(deps.heartbeatIntervalMs),
      },
    });
    heartbeat = setInterval(() => send({ case: "heartbeat", value: { time: timestampNow() } }), deps.heartbeatIntervalMs);
    heartbeat.unref();
    // Watch before the first push: a rebuild in between is then seen, and compared by version.
    unwatch = deps.snapshots.watch(pushSnapshotIfChanged);
    // Always the full state, even when the agent already runs this version: it may just ACK.
    pushSnapshotIfChanged();
  }

  async function onSnapshotAck(ack: SnapshotAck): Promise<void> {
    if (ack.nonce !== latestNonce) {
      log.debug({ nonce: ack.nonce, latestNonce }, "stale snapshot answer ignored");
      return;
    }
    if (ack.error === "") log.debug({ version: ack.version }, "snapshot ACKed");
    else log.warn({ version: ack.version, error: ack.error }, "snapshot NACKed");
    await bookkeeping("applied", () => deps.registry.applied(key!, ack.version, ack.error));
  }

  async function onExchanges(batch: ExchangeBatch): Promise<void> {
    if (batch.exchanges.some((exchange) => exchange.id === "")) {
      throw new ConnectError("every exchange needs an id", Code.InvalidArgument);
    }
    // The stream's identity is the only trustworthy answer to "which agent (instance) saw this".
    for (const exchange of batch.exchanges) {
      exchange.agent = agent.name;
      exchange.agentInstance = key!.instance;
    }
    let ids: string[] = [];
    if (batch.exchanges.length > 0) {
      try {
        ids = await deps.exchanges.commit(agent.name, batch.exchanges);
      } catch (err) {
        log.error({ err, count: batch.exchanges.length }, "could not commit exchanges");
        throw new ConnectError("could not commit exchanges; resend them", Code.Unavailable);
      }
    }
    send({ case: "exchangeAck", value: { ids } });
  }

  async function onReviewRequest(request: ReviewRequest): Promise<void> {
    const error = deps.reviews ? await deps.reviews.request(agent.name, request, key!.instance) : "this control plane does not take reviews";
    if (error) log.warn({ review: request.id, error }, "review request refused");
    send({ case: "reviewAck", value: { id: request.id, error } });
  }

  // Registry writes that must not be lost end the stream when they fail: the agent reconnects,
  // says Hello again and re-answers the snapshot, which repeats the write.
  async function bookkeeping(what: string, write: () => Promise<void>): Promise<void> {
    try {
      await write();
    } catch (err) {
      log.error({ err }, `registry.${what} failed`);
      throw new ConnectError("control plane storage unavailable", Code.Unavailable);
    }
  }

  async function handle(request: ConnectRequest): Promise<void> {
    const message = request.message;
    if (message.case === undefined) throw new ConnectError("empty ConnectRequest", Code.InvalidArgument);
    if (segment === undefined && message.case !== "hello") {
      throw new ConnectError(`first message must be a Hello, got ${message.case}`, Code.FailedPrecondition);
    }
    switch (message.case) {
      case "hello":
        if (segment !== undefined) throw new ConnectError("Hello may only be sent once", Code.FailedPrecondition);
        return onHello(message.value);
      case "snapshotAck":
        return onSnapshotAck(message.value);
      case "exchanges":
        return onExchanges(message.value);
      case "reviewRequest":
        return onReviewRequest(message.value);
      case "heartbeat":
        // Liveness is best effort: a missed record is repaired by the next heartbeat.
        return deps.registry.seen(key!).catch((err: unknown) => log.warn({ err }, "registry.seen failed"));
    }
  }

  async function read(): Promise<void> {
    try {
      for await (const request of requests) {
        if (queue.ended) return;
        await handle(request);
      }
      log.debug("agent closed its side of the stream");
      queue.end();
    } catch (err) {
      queue.end(ConnectError.from(err));
    }
  }

  function cleanUp(): void {
    if (cleanedUp) return;
    cleanedUp = true;
    clearTimeout(helloDeadline);
    clearInterval(heartbeat);
    unwatch?.();
    // On server shutdown connect-node aborts with its ConnectError: pass that status on.
    const reason: unknown = signal.reason;
    queue.end(reason instanceof ConnectError ? reason : new ConnectError("stream closed", Code.Canceled));
    log.info({ reason: reason instanceof Error ? reason.message : undefined }, "agent stream ended");
    resolveClosed();
  }

  // connect-node aborts the handler's signal when the response is finished, failed or cancelled,
  // and on server shutdown (with its reason): one place to clean up.
  if (signal.aborted) cleanUp();
  else signal.addEventListener("abort", cleanUp, { once: true });
  void read();

  return {
    agent,
    get key() {
      return key;
    },
    responses: queue,
    end: (error) => queue.end(error),
    closed,
  };
}
