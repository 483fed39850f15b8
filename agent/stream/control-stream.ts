// One life of the agent's control stream: Hello first, then snapshots applied and answered,
// exchanges sent in batches and acknowledged, heartbeats at the control plane's interval.
// It ends when the stream ends for any reason; the stream client decides when to open another.
import { create, type MessageInitShape } from "@bufbuild/protobuf";
import { WireType } from "@bufbuild/protobuf/wire";
import { durationMs, timestampNow } from "@bufbuild/protobuf/wkt";
import * as grpc from "@grpc/grpc-js";
import type { Logger } from "pino";
import { grpcServiceDefinition } from "../../core/contract/grpc-definition.js";
import {
  AgentService, ConnectRequestSchema, type ConnectRequest, type ConnectResponse, type ReviewAck, type ReviewRequest,
} from "../../gen/palisade/agent/v1/agent_pb.js";
import type { SnapshotStore } from "../config/snapshot-store.js";
import type { EncodedExchange, ExchangeBuffer } from "./exchange-buffer.js";

const connectMethod = grpcServiceDefinition(AgentService).connect;
const defaultHeartbeatMs = 10_000;
// Field numbers of ConnectRequest.exchanges and ExchangeBatch.exchanges (proto/palisade/agent/v1/agent.proto).
const connectRequestExchangesField = 3;
const exchangeBatchExchangesField = 1;

/**
 * The ConnectRequest carrying `exchanges` as an ExchangeBatch, framed around their encodings: the
 * same bytes `toBinary` would write for the decoded messages, without encoding them again. Sized
 * first and written into one buffer (a BinaryWriter grows by doubling and copies at the end: for a
 * batch of streamed records, megabytes copied several times per send).
 */
export function exchangeBatchBytes(exchanges: readonly EncodedExchange[]): Buffer {
  let inner = 0;
  for (const { bytes } of exchanges) inner += 1 + varintSize(bytes.length) + bytes.length;
  const out = Buffer.allocUnsafe(1 + varintSize(inner) + inner);
  let at = out.writeUInt8(tagByte(connectRequestExchangesField), 0);
  at = writeVarint(out, at, inner);
  for (const { bytes } of exchanges) {
    at = out.writeUInt8(tagByte(exchangeBatchExchangesField), at);
    at = writeVarint(out, at, bytes.length);
    out.set(bytes, at);
    at += bytes.length;
  }
  return out;
}

// A length-delimited field's tag, one byte for field numbers below 16.
const tagByte = (field: number) => (field << 3) | WireType.LengthDelimited;

function varintSize(value: number): number {
  let size = 1;
  for (let rest = value >>> 7; rest > 0; rest >>>= 7) size++;
  return size;
}

function writeVarint(out: Buffer, at: number, value: number): number {
  let rest = value;
  while (rest > 0x7f) {
    out[at++] = (rest & 0x7f) | 0x80;
    rest >>>= 7;
  }
  out[at++] = rest;
  return at;
}

// Requests are messages, except an exchange batch, which arrives as its bytes (exchangeBatchBytes).
const serializeRequest = (request: ConnectRequest | Buffer) => (Buffer.isBuffer(request) ? request : connectMethod.requestSerialize(request));

/** Batching of exchanges on the stream. */
export interface BatchOptions {
  maxCount: number;
  maxBytes: number;
  delayMs: number;
}

/** Everything one stream life needs. */
export interface ControlStreamDeps {
  client: grpc.Client;
  token: string;
  hello: { agentName: string; segment: string; version: string; instance: string };
  store: SnapshotStore;
  buffer: ExchangeBuffer;
  batch: BatchOptions;
  logger: Logger;
}

/** A running stream. */
export interface ControlStream {
  /** True once the control plane answered the Hello and until the stream ends. */
  readonly welcomed: boolean;
  /** When the Welcome arrived (for the backoff's stable-period reset). */
  readonly welcomedAt: number | undefined;
  /** Sends waiting exchanges soon (batched). */
  schedule(): void;
  /** Sends a ReviewRequest; resolves with its ReviewAck, rejects when the stream ends first or is not up. */
  requestReview(request: ReviewRequest): Promise<ReviewAck>;
  /** Half-closes the stream; `ended` resolves when the control plane closes its side. */
  end(): void;
  cancel(): void;
  readonly ended: Promise<grpc.StatusObject | Error>;
}

/** Opens the stream and sends the Hello. */
export function openControlStream(deps: ControlStreamDeps): ControlStream {
  const metadata = new grpc.Metadata();
  metadata.set("authorization", `Bearer ${deps.token}`);
  const call = deps.client.makeBidiStreamRequest<ConnectRequest | Buffer, ConnectResponse>(
    connectMethod.path,
    serializeRequest,
    connectMethod.responseDeserialize,
    metadata,
  );
  let writable = true; // false once our side is half-closed: a late heartbeat must not write after end
  const send = (message: MessageInitShape<typeof ConnectRequestSchema>["message"]) =>
    writable ? call.write(create(ConnectRequestSchema, { message })) : true;
  const halfClose = () => {
    if (!writable) return;
    writable = false;
    call.end();
  };

  let welcomedAt: number | undefined;
  let open = true;
  let batchTimer: NodeJS.Timeout | undefined;
  let heartbeat: NodeJS.Timeout | undefined;
  let draining = false;
  // ReviewRequests sent on this stream and not yet answered, by review id.
  const awaitingAck = new Map<string, { resolve(ack: ReviewAck): void; reject(error: Error): void }>();

  const flush = () => {
    clearTimeout(batchTimer);
    batchTimer = undefined;
    while (open && writable && welcomedAt !== undefined && !draining && deps.buffer.unsent > 0) {
      const exchanges = deps.buffer.takeUnsent(deps.batch.maxCount, deps.batch.maxBytes);
      if (!call.write(exchangeBatchBytes(exchanges))) {
        draining = true;
        call.once("drain", () => {
          draining = false;
          flush();
        });
      }
    }
  };

  const schedule = () => {
    if (!open || welcomedAt === undefined || draining) return;
    if (deps.buffer.unsent >= deps.batch.maxCount) return flush();
    batchTimer ??= setTimeout(flush, deps.batch.delayMs);
  };

  const onMessage = (response: ConnectResponse) => {
    const message = response.message;
    switch (message.case) {
      case "welcome": {
        welcomedAt = Date.now();
        const intervalMs = message.value.heartbeatInterval ? durationMs(message.value.heartbeatInterval) : 0;
        heartbeat = setInterval(
          () => send({ case: "heartbeat", value: { time: timestampNow(), bufferedExchanges: deps.buffer.held } }),
          intervalMs > 0 ? intervalMs : defaultHeartbeatMs,
        );
        heartbeat.unref();
        // Whatever a previous stream carried but saw no ack for goes again; the control plane dedupes by id.
        deps.buffer.resendAll();
        deps.logger.info({ segment: message.value.segment, controlPlane: message.value.controlPlaneVersion }, "control stream established");
        return flush();
      }
      case "snapshot": {
        const { version, error } = deps.store.apply(message.value);
        if (error) deps.logger.warn({ version: message.value.version, error }, "snapshot refused (NACK); keeping the last good one");
        else deps.logger.info({ version }, "snapshot applied");
        const unenforceable = error ? [] : (deps.store.current()?.unenforceable ?? []);
        if (unenforceable.length > 0) deps.logger.warn({ version, unenforceable }, "snapshot holds settings this agent does not know: what they govern is refused until the agent is upgraded");
        send({ case: "snapshotAck", value: { nonce: message.value.nonce, version, error } });
        return;
      }
      case "exchangeAck":
        deps.buffer.ack(message.value.ids);
        return;
      case "reviewAck":
        awaitingAck.get(message.value.id)?.resolve(message.value);
        awaitingAck.delete(message.value.id);
        return;
      default:
        return; // heartbeats, and kinds from a newer control plane
    }
  };

  const ended = new Promise<grpc.StatusObject | Error>((resolve) => {
    const finish = (result: grpc.StatusObject | Error) => {
      if (!open) return;
      open = false;
      clearTimeout(batchTimer);
      clearInterval(heartbeat);
      for (const waiter of awaitingAck.values()) waiter.reject(new Error("control stream ended before the review was acknowledged"));
      awaitingAck.clear();
      resolve(result);
    };
    call.on("data", onMessage);
    call.on("status", finish);
    call.on("error", finish);
    // The server closed its side; ours follows, and "status" reports how it ended.
    call.on("end", halfClose);
  });

  send({ case: "hello", value: { ...deps.hello, lastSnapshotVersion: deps.store.current()?.version ?? "" } });

  return {
    // biome-ignore lint/plugin: made once per process (or per connection), not per request
    get welcomed() {
      return open && welcomedAt !== undefined;
    },
    // biome-ignore lint/plugin: made once per process (or per connection), not per request
    get welcomedAt() {
      return welcomedAt;
    },
    schedule,
    requestReview(request) {
      if (!open || !writable || welcomedAt === undefined) return Promise.reject(new Error("control stream is not established"));
      return new Promise<ReviewAck>((resolve, reject) => {
        awaitingAck.set(request.id, { resolve, reject });
        send({ case: "reviewRequest", value: request });
      });
    },
    end: halfClose,
    cancel: () => call.cancel(),
    ended,
  };
}
