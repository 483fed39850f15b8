// The response-side evasion corpus end to end: a real agent (fake control plane) with a mask policy
// on replies (every built-in detector, US national numbers), and a stand-in provider replaying each
// crafted reply byte for byte in small network chunks. Whatever the agent forwards, no masked value
// may reach the caller in any form a client could read (client-view.ts); a reply the agent cannot
// inspect must be refused, and recorded with the reason.
import { request } from "undici";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Verdict } from "../../gen/palisade/agent/v1/exchange_pb.js";
import { PolicyAction } from "../../gen/palisade/agent/v1/snapshot_pb.js";
import { startPolicyBed, type PolicyBed } from "../policy-e2e/policy-bed.js";
import { clientViews, leakedValues } from "./client-view.js";
import { MEDIA as media, REPLY_CASES, type Api, type ReplyCase } from "./response-corpus.js";

const MODEL = "evasion";
let bed: PolicyBed;
let token: string;

beforeAll(async () => {
  bed = await startPolicyBed();
  await bed.use([
    {
      name: "mask-replies", priority: 90, action: PolicyAction.MASK, direction: 2 /* RESPONSE */, when: 'request.model != "evasion-binary"',
      detectors: ["email", "phone", "payment-card", "iban", "us-ssn", "ip-address", "secrets"], phoneRegion: "US",
    },
    {
      name: "mask-replies-binary", priority: 95, action: PolicyAction.MASK, direction: 2 /* RESPONSE */, allowBinary: true, when: 'request.model == "evasion-binary"',
      detectors: ["email", "phone", "payment-card", "iban", "us-ssn", "ip-address", "secrets"], phoneRegion: "US",
    },
    {
      // Pseudonyms made for the request and restored in the reply (but never inside a URL).
      name: "pseudonyms-restored", priority: 96, action: PolicyAction.MASK, direction: 3 /* BOTH */, style: 2 /* PSEUDONYMIZE */, restore: true, when: 'request.model == "evasion-restore"',
      detectors: ["email", "phone", "payment-card"], phoneRegion: "US",
    },
    { name: "allow-all" },
  ]);
  token = await bed.issuer.token();
}, 60_000);
afterAll(() => bed?.close());

const paths: Record<Api, string> = { chat: "/openai/v1/chat/completions", responses: "/openai/v1/responses", anthropic: "/claude/v1/messages" };

function requestBody(api: Api, stream: boolean, model = MODEL, prompt = "hi"): unknown {
  if (api === "chat") return { model, messages: [{ role: "user", content: prompt }], stream };
  if (api === "responses") return { model, input: prompt, stream };
  return { model, max_tokens: 64, messages: [{ role: "user", content: prompt }], stream };
}

function bytesOf(body: ReplyCase["body"]): Buffer {
  if (Buffer.isBuffer(body)) return body;
  return Buffer.from(typeof body === "string" ? body : JSON.stringify(body));
}

/** Registers the case's reply at the stand-in, in network chunks. */
function script(entry: ReplyCase): string {
  const bytes = bytesOf(entry.body);
  const size = entry.chunkBytes ?? (entry.stream ? 7 : bytes.length);
  const chunks: Buffer[] = [];
  for (let at = 0; at < bytes.length; at += size) chunks.push(bytes.subarray(at, at + size));
  const headers = entry.headers ?? { "content-type": entry.stream ? "text/event-stream" : "application/json" };
  return bed.provider.script({ status: entry.status ?? 200, headers, chunks });
}

/** Sends the case's request through the agent and reads the raw answer (not decompressed). */
async function run(entry: ReplyCase): Promise<{ status: number; headers: Record<string, string | string[] | undefined>; body: Buffer }> {
  const answer = await request(`${bed.agent.url}${paths[entry.api]}`, {
    method: "POST",
    headers: { authorization: `Bearer ${token}`, "content-type": "application/json", "x-stand-in-script": script(entry) },
    body: JSON.stringify(requestBody(entry.api, entry.stream, entry.allowBinary ? "evasion-binary" : entry.restoring ? "evasion-restore" : MODEL, entry.restoring)),
  });
  const body = Buffer.from(await answer.body.arrayBuffer());
  return { status: answer.statusCode, headers: answer.headers, body };
}

const marker = /\[(EMAIL|PHONE|PAYMENT_CARD|US_SSN|IBAN|SECRET|IP_ADDRESS)\]/;
// A refusal before the body (502 in the provider's format) or, once a stream is under way, the
// provider's own error event naming the reason.
const refusedMidStream = /uninspectable|cannot inspect/i;

describe("response-side evasion corpus", () => {
  it("has cases of every class, whole and streamed, for each API", () => {
    expect(REPLY_CASES.length).toBeGreaterThan(100);
    for (const api of ["chat", "responses", "anthropic"] as const) {
      for (const stream of [false, true]) expect(REPLY_CASES.some((entry) => entry.api === api && entry.stream === stream)).toBe(true);
    }
  });

  it.each(REPLY_CASES.map((entry) => [`${entry.api} ${entry.stream ? "stream" : "whole"} · ${entry.kind} · ${entry.name}`, entry] as const))("%s", async (_, entry) => {
    const answer = await run(entry);
    const views = clientViews(answer.headers, answer.body);
    expect(leakedValues(views, entry.secrets)).toEqual([]);
    const text = answer.body.toString("utf8");
    if (entry.refused) {
      if (answer.status === 502) expect(JSON.stringify(JSON.parse(text))).toMatch(/uninspectable|cannot inspect/i);
      else expect(text).toMatch(refusedMidStream);
      return;
    }
    expect(answer.status).toBe(entry.status ?? 200);
    if (!entry.name.includes("duplicate keys") && entry.secrets.length > 0 && entry.marker !== false) expect(views.some((view) => marker.test(view))).toBe(true);
    if (entry.restoring) expect(views.some((view) => view.includes("<EMAIL_1>"))).toBe(true); // the placeholder stayed
    if (entry.kind === "numbers") expect(text).not.toMatch(marker); // masked as digits: numbers stay numbers
    // The caller gets UTF-8 (another charset was read and re-encoded), and the label says so.
    expect(String(answer.headers["content-type"] ?? "")).not.toMatch(/charset\s*=\s*"?(?!utf-8)/i);
    if (entry.kind !== "binary") expect(answer.body.indexOf(0)).toBe(-1);
    if (entry.allowBinary && entry.kind === "binary" && !Buffer.isBuffer(entry.body)) expect(text).toContain(media.slice(0, 40)); // the media passed as it was
  });

  it("passes bodiless answers as they are: a 204, and a HEAD answer keeps its length", async () => {
    const noContent = bed.provider.script({ status: 204, headers: {}, chunks: [] });
    const empty = await request(`${bed.agent.url}/openai/v1/chat/completions`, {
      method: "POST", headers: { authorization: `Bearer ${token}`, "content-type": "application/json", "x-stand-in-script": noContent }, body: JSON.stringify(requestBody("chat", false)),
    });
    expect(empty.statusCode).toBe(204);
    expect(await empty.body.text()).toBe("");
    const head = bed.provider.script({ headers: { "content-type": "application/json", "content-length": "123" }, chunks: [] });
    const answer = await request(`${bed.agent.url}/openai/v1/models`, { method: "HEAD", headers: { authorization: `Bearer ${token}`, "x-stand-in-script": head } });
    expect(answer.statusCode).toBe(200);
    expect(answer.headers["content-length"]).toBe("123");
    await answer.body.dump();
  });

  it("records a refused reply as failed, with the reason", async () => {
    const entry = REPLY_CASES.find((candidate) => candidate.refused && !candidate.stream);
    if (!entry) throw new Error("the corpus has no refused whole reply");
    const answer = await run(entry);
    expect(answer.status).toBe(502);
    const record = await bed.recorded(String(answer.headers["x-palisade-session"]));
    expect(record.verdict).toBe(Verdict.FAILED);
    expect(record.status).toBe(502);
    expect(record.reason).toMatch(/cannot inspect/i);
    expect(record.error).not.toBe("");
  });
});
