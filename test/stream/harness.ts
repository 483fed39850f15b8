// A real control-plane port (via `listen`) serving the agent stream over in-memory fakes, and a
// small bidi client over connect-node's gRPC transport for driving it message by message.
import { create, type MessageInitShape } from "@bufbuild/protobuf";
import { ConnectError, createClient, type Transport } from "@connectrpc/connect";
import { createGrpcTransport } from "@connectrpc/connect-node";
import pino from "pino";
import {
  AgentService,
  ConnectRequestSchema,
  type ConnectRequest,
  type ConnectResponse,
} from "../../gen/palisade/agent/v1/agent_pb.js";
import { listen, type Server } from "../../control-plane/server.js";
import { createAgentStream, type AgentStream } from "../../control-plane/stream/agent-stream.js";
import { createOutboundQueue } from "../../control-plane/stream/outbound-queue.js";
import { eventually } from "../support/eventually.js";
import { FakeRegistry, FakeSink, FakeSnapshots } from "./fakes.js";

export interface Harness {
  server: Server;
  stream: AgentStream;
  registry: FakeRegistry;
  snapshots: FakeSnapshots;
  sink: FakeSink;
  transport: Transport;
  close(): Promise<void>;
}

/** Starts a port-0 server with the agent stream on fresh fakes. */
export async function startHarness(options: { heartbeatIntervalMs?: number; helloTimeoutMs?: number } = {}): Promise<Harness> {
  const registry = new FakeRegistry();
  const snapshots = new FakeSnapshots();
  const sink = new FakeSink();
  const logger = pino({ level: process.env.LOG_LEVEL ?? "silent" });
  const stream = createAgentStream({ registry, snapshots, exchanges: sink, logger, ...options });
  const server = await listen({
    listen: "127.0.0.1:0",
    logger,
    routes: (router) => router.service(AgentService, stream.service),
  });
  const transport = createGrpcTransport({ baseUrl: server.url });
  return {
    server,
    stream,
    registry,
    snapshots,
    sink,
    transport,
    async close() {
      stream.close();
      await server.close();
    },
  };
}

type RequestMessage = NonNullable<MessageInitShape<typeof ConnectRequestSchema>["message"]>;

/** One open Connect stream seen from the agent's side. */
export interface TestStream {
  send(message: RequestMessage): void;
  /** The next response not yet taken, within a bounded wait. */
  next(): Promise<ConnectResponse>;
  /** The next response of a kind, skipping (and dropping) heartbeats and other kinds. */
  nextOf<K extends NonNullable<ConnectResponse["message"]["case"]>>(
    kind: K,
  ): Promise<Extract<ConnectResponse["message"], { case: K }>["value"]>;
  /** Half-closes the request side. */
  end(): void;
  /** Resolves with the error that ended the stream, or undefined when it ended OK. */
  ended: Promise<ConnectError | undefined>;
}

/** Opens a Connect stream with `token` (none when undefined). */
export function openStream(transport: Transport, token: string | undefined): TestStream {
  const requests = createOutboundQueue<ConnectRequest>({ limit: 1_000, overflowError: () => new Error("too many") });
  const received: ConnectResponse[] = [];
  const client = createClient(AgentService, transport);
  const headers: Record<string, string> = token === undefined ? {} : { authorization: `Bearer ${token}` };
  let done = false;
  const ended = (async () => {
    try {
      for await (const response of client.connect(requests, { headers })) received.push(response);
      return undefined;
    } catch (err) {
      return ConnectError.from(err);
    } finally {
      done = true;
    }
  })();

  async function next(): Promise<ConnectResponse> {
    await eventually("a response", () => received.length > 0 || done);
    const response = received.shift();
    if (!response) throw new Error(`stream ended: ${String(await ended)}`);
    return response;
  }

  return {
    send: (message) => requests.push(create(ConnectRequestSchema, { message })),
    next,
    async nextOf(kind) {
      for (;;) {
        const response = await next();
        if (response.message.case === kind) return response.message.value as never;
      }
    },
    end: () => requests.end(),
    ended,
  };
}
