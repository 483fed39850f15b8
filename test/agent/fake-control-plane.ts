// A fake control plane for agent tests: a real connect-node `AgentService` server (gRPC over h2c,
// port 0) that checks the enrolment token, answers the Hello with a Welcome and the current
// snapshot, pushes new snapshots on demand, records every ACK/NACK and exchange, and ACKs
// exchanges (deduplicated by id) unless told to hold them or to drop the stream first.
import { randomUUID } from "node:crypto";
import * as http2 from "node:http2";
import type { AddressInfo } from "node:net";
import { create, type MessageInitShape } from "@bufbuild/protobuf";
import { durationFromMs } from "@bufbuild/protobuf/wkt";
import { Code, ConnectError, type HandlerContext } from "@connectrpc/connect";
import { connectNodeAdapter } from "@connectrpc/connect-node";
import {
  AgentService,
  ConnectResponseSchema,
  type ConnectRequest,
  type ConnectResponse,
  type Heartbeat,
  type Hello,
  type ReviewRequest,
  type SnapshotAck,
} from "../../gen/palisade/agent/v1/agent_pb.js";
import type { Exchange } from "../../gen/palisade/agent/v1/exchange_pb.js";
import type { Snapshot } from "../../gen/palisade/agent/v1/snapshot_pb.js";

export interface FakeControlPlane {
  url: string;
  hellos: Hello[];
  acks: SnapshotAck[];
  /** Exchanges stored, by id (a resent id is stored once). */
  exchanges: Map<string, Exchange>;
  /** Every exchange received, duplicates included. */
  received: Exchange[];
  /** Heartbeats received from the agent. */
  heartbeats: Heartbeat[];
  /** Review requests received. */
  reviewRequests: ReviewRequest[];
  /** Whether review requests are acknowledged as stored (default false: the holding agent refuses, not acknowledged); decisions come only in pushed snapshots. */
  ackReviews: boolean;
  /** Streams opened so far. */
  readonly streams: number;
  /** Heartbeat interval announced in the Welcome of streams opened from now on (default 60 s). */
  heartbeatMs: number;
  /** Whether exchanges are ACKed (default true); when false they are stored but held. */
  ackExchanges: boolean;
  /** The next N exchange batches close the stream instead of being stored or ACKed. */
  dropOnExchanges: number;
  /** Replaces the snapshot and pushes it (with a fresh nonce) on every open stream. */
  push(snapshot: Snapshot): void;
  /** ACKs every stored exchange on every open stream (for tests that held them). */
  ackAll(): void;
  /** Ends every open stream with status OK, as a control plane going away would. */
  endStreams(): void;
  close(): Promise<void>;
}

interface OpenStream {
  send(message: MessageInitShape<typeof ConnectResponseSchema>["message"]): void;
  end(): void;
}

/** Starts the fake on 127.0.0.1 (`port` 0 picks one; pass an old one to "restart") serving `snapshot`, accepting only `token`. */
export async function startFakeControlPlane(token: string, snapshot: Snapshot, port = 0): Promise<FakeControlPlane> {
  const open = new Set<OpenStream>();
  let current = snapshot;
  let streams = 0;

  const fake: FakeControlPlane = {
    url: "",
    hellos: [],
    acks: [],
    exchanges: new Map(),
    received: [],
    heartbeats: [],
    reviewRequests: [],
    ackReviews: false,
    heartbeatMs: 60_000,
    get streams() {
      return streams;
    },
    ackExchanges: true,
    dropOnExchanges: 0,
    push(next) {
      current = next;
      for (const stream of open) stream.send({ case: "snapshot", value: { ...next, nonce: randomUUID() } });
    },
    ackAll() {
      const ids = [...fake.exchanges.keys()];
      for (const stream of open) stream.send({ case: "exchangeAck", value: { ids } });
    },
    endStreams() {
      for (const stream of open) stream.end();
    },
    close: async () => {},
  };

  async function* connect(requests: AsyncIterable<ConnectRequest>, context: HandlerContext) {
    if (context.requestHeader.get("authorization") !== `Bearer ${token}`) {
      throw new ConnectError("unknown enrolment token", Code.Unauthenticated);
    }
    streams++;
    const queue: ConnectResponse[] = [];
    let wake = () => {};
    let ended = false;
    const stream: OpenStream = {
      send(message) {
        queue.push(create(ConnectResponseSchema, { message }));
        wake();
      },
      end() {
        ended = true;
        wake();
      },
    };

    const read = async () => {
      let first = true;
      for await (const request of requests) {
        const message = request.message;
        if (first !== (message.case === "hello")) throw new ConnectError("Hello must come first, once", Code.FailedPrecondition);
        first = false;
        if (message.case === "hello") {
          fake.hellos.push(message.value);
          open.add(stream);
          stream.send({ case: "welcome", value: { controlPlaneVersion: "fake", segment: message.value.segment, heartbeatInterval: durationFromMs(fake.heartbeatMs) } });
          stream.send({ case: "snapshot", value: { ...current, nonce: randomUUID() } });
        } else if (message.case === "reviewRequest") {
          fake.reviewRequests.push(message.value);
          if (fake.ackReviews) stream.send({ case: "reviewAck", value: { id: message.value.id } });
        } else if (message.case === "heartbeat") {
          fake.heartbeats.push(message.value);
        } else if (message.case === "snapshotAck") {
          fake.acks.push(message.value);
        } else if (message.case === "exchanges") {
          if (fake.dropOnExchanges > 0) {
            fake.dropOnExchanges--;
            return stream.end();
          }
          fake.received.push(...message.value.exchanges);
          for (const exchange of message.value.exchanges) if (!fake.exchanges.has(exchange.id)) fake.exchanges.set(exchange.id, exchange);
          if (fake.ackExchanges) stream.send({ case: "exchangeAck", value: { ids: message.value.exchanges.map((e) => e.id) } });
        }
      }
      stream.end();
    };
    const reading = read().catch(() => stream.end());

    try {
      while (!ended || queue.length > 0) {
        if (queue.length === 0) await new Promise<void>((resolve) => (wake = resolve));
        const next = queue.shift();
        if (next && !ended) yield next;
      }
    } finally {
      open.delete(stream);
      void reading;
    }
  }

  const server = http2.createServer(connectNodeAdapter({ routes: (router) => router.service(AgentService, { connect }) }));
  const sessions = new Set<http2.ServerHttp2Session>();
  server.on("session", (session) => {
    sessions.add(session);
    session.on("close", () => sessions.delete(session));
  });
  await new Promise<void>((resolve) => server.listen(port, "127.0.0.1", resolve));
  fake.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  fake.close = async () => {
    for (const stream of open) stream.end();
    for (const session of sessions) session.destroy();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  };
  return fake;
}
