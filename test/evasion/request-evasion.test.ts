// The request-side evasion corpus end to end: one real agent with a mask policy on requests and a
// deny keyword policy, a lenient stand-in provider behind it (it decodes compression and charsets).
// Every case is sent as raw bytes; a forwarded one must leave no secret readable upstream in any
// form (provider views: decoded, unescaped, percent-decoded, folded), a refused or denied one must
// be answered in the provider's format and reach nothing upstream.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { eventually } from "../support/eventually.js";
import { leakedValues } from "./client-view.js";
import { inProviderFormat, providerViews, startRequestBed, type RequestBed } from "./request-bed.js";
import { REQUEST_CASES } from "./request-corpus.js";

let bed: RequestBed;
beforeAll(async () => {
  bed = await startRequestBed();
}, 60_000);
afterAll(() => bed?.close());

describe("request-side evasion corpus", () => {
  it("has well over a hundred cases over every class", () => {
    expect(REQUEST_CASES.length).toBeGreaterThan(150);
    expect(new Set(REQUEST_CASES.map((entry) => entry.kind)).size).toBeGreaterThanOrEqual(15);
  });

  it.each(REQUEST_CASES.map((entry) => [`${entry.kind} · ${entry.name} (${entry.connection})`, entry] as const))("%s", async (_, entry) => {
    const sent = await bed.send(entry.connection, entry.path, entry);
    if (entry.expect === "forwarded") {
      expect(sent.received, `status ${sent.status}: ${JSON.stringify(sent.answer)}`).toBeDefined();
      expect(leakedValues(providerViews(sent.received!), entry.secrets)).toEqual([]);
      return;
    }
    const answered = `status ${sent.status}: ${JSON.stringify(sent.answer)}`;
    expect(sent.received, answered).toBeUndefined();
    expect(inProviderFormat(entry.connection, sent.answer), answered).toBe(true);
    if (entry.expect === "denied") expect(sent.status, answered).toBe(403);
    else expect([400, 413, 415], answered).toContain(sent.status);
  });
});

describe("the record of a masked request", () => {
  it("keeps the path and query as forwarded, masked", async () => {
    const sent = await bed.send("openai", "/v1/chat/completions?note=jane.doe%40example.com", { headers: { "content-type": "application/json" }, body: JSON.stringify({ model: "m", messages: [] }) });
    expect(sent.received?.path).toBe("/v1/chat/completions?note=%5BEMAIL%5D");
    const exchange = await eventually("the record", () => [...bed.bed.controlPlane.exchanges.values()].find((entry) => entry.path.includes("note=")));
    expect(exchange.path).toBe("/v1/chat/completions?note=%5BEMAIL%5D");
  });
});
