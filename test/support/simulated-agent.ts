// Simulated agents for the ingest bench and the audit-chain tests: each opens the real agent stream over gRPC (HTTP/2),
// says Hello, then keeps `window` batches of `batchSize` exchanges in flight, as the agent's
// buffer does, and records the time from sending each batch to its ACK.
import { create } from "@bufbuild/protobuf";
import { createClient, type Transport } from "@connectrpc/connect";
import {
  AgentService, type ConnectRequest, ConnectRequestSchema, type ConnectResponse, ExchangeBatchSchema, HelloSchema,
} from "../../gen/palisade/agent/v1/agent_pb.js";
import { type Exchange, ExchangeSchema, Verdict } from "../../gen/palisade/agent/v1/exchange_pb.js";

/** What one simulated agent did. */
export interface AgentRun {
  acked: number;
  /** Exchanges ACKed over the whole run, warm-up included. */
  total: number;
  /** Send-to-ACK time of each batch, ms. */
  latencies: number[];
}

const REQUEST = JSON.stringify({ model: "gpt-bench", messages: [{ role: "user", content: "Summarise the attached paragraph in one sentence. ".repeat(8) }] });
const RESPONSE = "The paragraph says that audit logs must be tamper-evident and fast to ingest. ".repeat(6);

function benchExchange(agent: string, n: number): Exchange {
  const now = Date.now();
  return create(ExchangeSchema, {
    id: `${agent}-${n}`, connection: "openai",
    identity: { subject: `user-${n % 50}@example.com`, email: `user-${n % 50}@example.com`, groups: ["eng"], issuer: "urn:palisade:service-accounts" },
    method: "POST", path: "/v1/chat/completions", model: "gpt-bench", stream: false, status: 200,
    verdict: Verdict.ALLOWED, requestBody: REQUEST, responseBody: RESPONSE,
    usage: { promptTokens: 120n, completionTokens: 80n, totalTokens: 200n },
    startedAt: { seconds: BigInt(Math.floor(now / 1000)), nanos: (now % 1000) * 1_000_000 },
    duration: { seconds: 0n, nanos: 350_000_000 },
  });
}

/**
 * Runs one agent until `stopAt` (epoch ms) or until it sent `batches` batches, and all are ACKed;
 * counts only batches ACKed after `measureFrom`.
 */
export async function runAgent(options: {
  transport: Transport; name: string; token: string; batchSize: number; window: number;
  measureFrom?: number; stopAt?: number; batches?: number;
}): Promise<AgentRun> {
  const { name, batchSize, window } = options;
  const outbox: ConnectRequest[] = [];
  let wake: (() => void) | undefined;
  let closed = false;
  const push = (message: ConnectRequest["message"]) => {
    outbox.push(create(ConnectRequestSchema, { message }));
    wake?.();
  };
  async function* requests(): AsyncGenerator<ConnectRequest> {
    for (;;) {
      while (outbox.length > 0) yield outbox.shift()!;
      if (closed) return;
      await new Promise<void>((resolve) => { wake = resolve; });
      wake = undefined;
    }
  }
  const sentAt = new Map<string, number>();
  const run: AgentRun = { acked: 0, total: 0, latencies: [] };
  let next = 0;
  let inFlight = 0;
  const sendBatch = () => {
    const exchanges = Array.from({ length: batchSize }, () => benchExchange(name, next++));
    sentAt.set(exchanges[0]!.id, performance.now());
    inFlight += 1;
    push({ case: "exchanges", value: create(ExchangeBatchSchema, { exchanges }) });
  };
  push({ case: "hello", value: create(HelloSchema, { agentName: name, version: "bench" }) });
  const client = createClient(AgentService, options.transport);
  const stream = client.connect(requests(), { headers: { authorization: `Bearer ${options.token}` } });
  let started = false;
  for await (const response of stream as AsyncIterable<ConnectResponse>) {
    const message = response.message;
    if (message.case === "welcome" && !started) {
      started = true;
      for (let i = 0; i < Math.min(window, options.batches ?? window); i++) sendBatch();
    } else if (message.case === "exchangeAck") {
      inFlight -= 1;
      const first = message.value.ids[0];
      const sent = first === undefined ? undefined : sentAt.get(first);
      if (first !== undefined) sentAt.delete(first);
      const now = Date.now();
      run.total += message.value.ids.length;
      if (sent !== undefined && now >= (options.measureFrom ?? 0)) {
        run.latencies.push(performance.now() - sent);
        run.acked += message.value.ids.length;
      }
      if (now < (options.stopAt ?? Infinity) && next < (options.batches ?? Infinity) * batchSize) sendBatch();
      else if (inFlight === 0) {
        closed = true;
        wake?.();
      }
    }
  }
  return run;
}
