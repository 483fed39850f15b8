// Exchanges as an agent would record them, for storage and admin tests.
import { create } from "@bufbuild/protobuf";
import { type Exchange, ExchangeSchema, Verdict } from "../../gen/palisade/agent/v1/exchange_pb.js";

/** A complete exchange with id `id`; `overrides` replace fields. */
export function exchange(id: string, overrides: Partial<{ subject: string; connection: string; startedMs: number; nanos: number }> = {}): Exchange {
  const startedMs = overrides.startedMs ?? Date.UTC(2026, 0, 1, 12, 0, 0);
  return create(ExchangeSchema, {
    id,
    connection: overrides.connection ?? "openai",
    identity: { subject: overrides.subject ?? "alice", email: "alice@example.com", groups: ["eng", "ml"], issuer: "urn:palisade:service-accounts" },
    method: "POST",
    path: "/v1/chat/completions",
    model: "gpt-test",
    stream: true,
    status: 200,
    verdict: Verdict.ALLOWED,
    reason: "",
    requestBody: `{"model":"gpt-test","id":"${id}"}`,
    responseBody: "Hello there",
    requestTruncated: false,
    responseTruncated: true,
    usage: { promptTokens: 12n, completionTokens: 34n, totalTokens: 46n },
    startedAt: { seconds: BigInt(Math.floor(startedMs / 1000)), nanos: (startedMs % 1000) * 1_000_000 + (overrides.nanos ?? 123_000) },
    timeToFirstByte: { seconds: 0n, nanos: 250_000_000 },
    duration: { seconds: 2n, nanos: 5 },
    error: "",
    agent: "ignored-the-stream-decides",
  });
}
