// Timeouts, disconnects and shutdown: a slow upstream is a 504, a caller that goes away aborts the
// upstream request, and close() lets a request in flight finish and flushes its record.
import { fromBinary } from "@bufbuild/protobuf";
import { pino } from "pino";
import { Agent as UndiciAgent } from "undici";
import { afterEach, describe, expect, it } from "vitest";
import { createSnapshotStore } from "../../agent/config/snapshot-store.js";
import { createRequestHandler } from "../../agent/http/handle-request.js";
import { startProxyServer } from "../../agent/http/proxy-server.js";
import { createLimitTracker } from "../../agent/policy/limits.js";
import { createExchangeBuffer } from "../../agent/stream/exchange-buffer.js";
import { ExchangeSchema, Verdict } from "../../gen/palisade/agent/v1/exchange_pb.js";
import { standInReply, startStandInProvider } from "../support/stand-in-provider.js";
import { eventually } from "../support/eventually.js";
import { createTestIssuer, startTestBed, testSnapshot, type TestBed } from "./test-bed.js";

let bed: TestBed | undefined;
afterEach(async () => {
  await bed?.close();
  bed = undefined;
});

const streamedChat = JSON.stringify({ model: "gpt-test", stream: true, messages: [{ role: "user", content: "slow stream" }] });

describe("agent lifecycle", () => {
  it("answers 504 when the upstream sends no headers in time", async () => {
    // The public agent waits minutes for headers (non-streamed completions are slow); the pipeline
    // is assembled here with a short timeout to observe the mapping.
    const provider = await startStandInProvider();
    const issuer = await createTestIssuer();
    const store = createSnapshotStore();
    expect(store.apply(testSnapshot(provider.url, issuer.jwk)).error).toBe("");
    const buffer = createExchangeBuffer(10);
    const dispatcher = new UndiciAgent({ headersTimeout: 200 });
    const server = await startProxyServer(
      "127.0.0.1:0",
      createRequestHandler({ snapshot: store.current, buffer, limits: createLimitTracker(), maxBodyBytes: 1 << 20, recordLimitBytes: 1 << 20, dispatcher, headersTimeoutMs: 200, idleTimeoutMs: 200, logger: pino({ level: "silent" }) }),
    );
    try {
      const response = await fetch(`${server.url}/openai/v1/chat/completions`, {
        method: "POST",
        headers: { authorization: `Bearer ${await issuer.token()}`, "content-type": "application/json", "x-stand-in-delay-ms": "3000" },
        body: JSON.stringify({ model: "gpt-test", messages: [] }),
      });
      expect(response.status).toBe(504);
      expect(await response.json()).toMatchObject({ error: { code: "upstream_timeout" } });
      const [taken] = buffer.takeUnsent(10);
      const exchange = fromBinary(ExchangeSchema, taken!.bytes);
      expect(exchange).toMatchObject({ status: 504, verdict: Verdict.FAILED, error: expect.stringContaining("UND_ERR_HEADERS_TIMEOUT") });
    } finally {
      await server.close(0);
      await dispatcher.destroy();
      await provider.close();
    }
  });

  it("aborts the upstream request when the caller goes away mid-stream", async () => {
    bed = await startTestBed();
    bed.provider.pauseStreams();
    const abort = new AbortController();
    const response = await fetch(`${bed.agent.url}/openai/v1/chat/completions`, {
      method: "POST",
      headers: { authorization: `Bearer ${await bed.issuer.token()}`, "content-type": "application/json" },
      body: streamedChat,
      signal: abort.signal,
    });
    const reader = response.body!.getReader();
    await reader.read();
    abort.abort();
    const session = response.headers.get("x-palisade-session")!;
    const exchange = await eventually("the aborted exchange", () => bed!.controlPlane.exchanges.get(session));
    expect(exchange).toMatchObject({ verdict: Verdict.FAILED, error: "caller closed the connection", stream: true });
    bed.provider.resumeStreams();
  });

  it("lets a request in flight finish on close() and flushes its record to the control plane", async () => {
    bed = await startTestBed();
    const { agent, provider, controlPlane } = bed;
    provider.pauseStreams();
    const response = await fetch(`${agent.url}/openai/v1/chat/completions`, {
      method: "POST",
      headers: { authorization: `Bearer ${await bed.issuer.token()}`, "content-type": "application/json" },
      body: streamedChat,
    });
    const closing = agent.close();
    provider.resumeStreams();
    const body = await response.text();
    expect(body).toContain("[DONE]");
    await closing;
    const exchange = controlPlane.exchanges.get(response.headers.get("x-palisade-session")!);
    expect(exchange).toMatchObject({ verdict: Verdict.ALLOWED, responseBody: standInReply("slow stream") });
    await expect(fetch(`${agent.url}/openai/v1/models`)).rejects.toThrow();
  });
});
