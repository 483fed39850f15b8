// A caller whose request head is fine but whose body breaks HTTP (a chunk size that is no number):
// Node's parser refuses it after the exchange began (the token was checked, the body was being
// read). The 400 carries that exchange's session, and the exchange is recorded once under it with
// what the caller was answered — not under a session nobody stored, nor as a caller that went away.
// A body longer than its Content-Length is the declared bytes (HTTP's rule) and the rest the next
// request on the connection: inspected like any other when it is one, refused (400, after the
// first request's own answer, not in its place) when it is no HTTP.
import { connect } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { serverTimeouts } from "../../agent/http/proxy-server.js";
import { palisade, startStack, type Stack } from "../support/stack.js";
import { parseResponse } from "../fuzz/raw-http.js";
import { settledSessions } from "./fault-bed.js";

let stack: Stack;

beforeAll(async () => {
  // Short enough for a body that never comes whole to be cut within the test (the agent's are 5 min).
  Object.assign(serverTimeouts, { headersMs: 2_500, requestMs: 2_500, checkEveryMs: 250 });
  stack = await startStack({ agentName: "broken-body" });
}, 120_000);

afterAll(async () => {
  await stack?.close();
});

/** Sends `raw` on a socket of its own; resolves with all that came back once the agent closed it. */
function exchange(raw: string): Promise<Buffer> {
  const { port } = new URL(stack.agent.url);
  return new Promise((resolve) => {
    const socket = connect(Number(port), "127.0.0.1", () => socket.write(raw));
    const chunks: Buffer[] = [];
    socket.on("data", (chunk) => chunks.push(chunk));
    socket.on("error", () => {});
    socket.on("close", () => resolve(Buffer.concat(chunks)));
  });
}

describe("a caller whose body breaks HTTP", () => {
  it("gets a 400 with the exchange's session, recorded once under it", async () => {
    const forwarded = stack.provider.requests.length;
    const head = `POST /standin/v1/chat/completions HTTP/1.1\r\nhost: agent\r\nauthorization: Bearer ${stack.callerToken}\r\ncontent-type: application/json\r\ntransfer-encoding: chunked\r\n\r\n`;
    const raw = await exchange(`${head}5\r\n{"mod\r\nzz\r\n`);
    const response = parseResponse(raw);
    expect(response?.status).toBe(400);
    const session = /x-palisade-session: ([0-9a-f-]+)/i.exec(raw.toString("latin1"))?.[1];
    expect(session).toBeDefined();
    expect(raw.toString("latin1")).toContain('"code":"bad_request"');
    const counts = await settledSessions(stack.env, [session!], 20_000);
    expect(counts.get(session!)).toBe(1);
    const record = JSON.parse(await palisade(stack.env, ["audit", "show", session!, "-o", "json"])) as { response: { status: number; verdict: string; reason?: string } };
    expect(record.response).toMatchObject({ status: 400, verdict: "denied", reason: "request not received whole: Malformed HTTP request" });
    expect(stack.provider.requests.length).toBe(forwarded);
  });
});

const chat = (content: string) => JSON.stringify({ model: "m", messages: [{ role: "user", content }] });
const chatHead = (length: number, token?: string, extra = "") =>
  `POST /standin/v1/chat/completions HTTP/1.1\r\nhost: agent\r\n${token ? `authorization: Bearer ${token}\r\n` : ""}content-type: application/json\r\ncontent-length: ${length}\r\n${extra}\r\n`;

/** The responses in `raw`, in order: status and session. */
function answers(raw: Buffer): { status: number; session?: string }[] {
  return [...raw.toString("latin1").matchAll(/HTTP\/1\.1 (\d{3}) [^\r]*\r\n((?:[^\r]+\r\n)*)/g)].map((match) => ({
    status: Number(match[1]),
    session: /x-palisade-session: ([0-9a-f-]+)/i.exec(match[2]!)?.[1],
  }));
}

/** The stored record of `session`, once stored. */
async function recordOf(session: string): Promise<{ response: { status: number; verdict: string; reason?: string } }> {
  await settledSessions(stack.env, [session], 20_000);
  return JSON.parse(await palisade(stack.env, ["audit", "show", session, "-o", "json"]));
}

describe("a body shorter than its Content-Length, the connection held open", () => {
  it("gets a 408 once the request timeout passes, with the exchange's session, recorded once under it", async () => {
    const forwarded = stack.provider.requests.length;
    const body = chat("never whole");
    const raw = await exchange(`${chatHead(body.length + 10, stack.callerToken)}${body}`);
    const [answer, ...more] = answers(raw);
    expect(more).toEqual([]);
    expect(answer?.status).toBe(408);
    const record = await recordOf(answer!.session!);
    expect(record.response).toMatchObject({ status: 408, verdict: "denied", reason: "request not received whole: Request not received in time" });
    expect(stack.provider.requests.length).toBe(forwarded);
  });
});

describe("a pipelined request whose body breaks HTTP after the request before it was answered", () => {
  it("gets a 400 with its own session, recorded once under it", async () => {
    const { port } = new URL(stack.agent.url);
    const socket = connect(Number(port), "127.0.0.1");
    socket.on("error", () => {});
    let received = Buffer.alloc(0);
    const closed = new Promise<void>((resolve) => socket.on("close", () => resolve()));
    const grew = () => new Promise<void>((resolve) => socket.once("data", () => resolve()));
    socket.on("data", (chunk: Buffer) => (received = Buffer.concat([received, chunk])));
    const body = chat("first");
    socket.write(`${chatHead(body.length, stack.callerToken)}${body}${chatHead(0, stack.callerToken).replace("content-length: 0", "transfer-encoding: chunked")}5\r\n{"mod\r\n`);
    while (answers(received).length < 1) await grew();
    socket.write("zz\r\n");
    await closed;
    const [first, second] = answers(received);
    expect(first?.status).toBe(200);
    expect(second?.status).toBe(400);
    expect(second?.session).not.toBe(first?.session);
    expect((await recordOf(second!.session!)).response).toMatchObject({ status: 400, verdict: "denied" });
  });
});

describe("a body longer than its Content-Length", () => {
  it("followed by bytes that are no HTTP: the request is answered as forwarded, then the rest refused", async () => {
    const forwarded = stack.provider.requests.length;
    const body = chat("declared part");
    const raw = await exchange(`${chatHead(body.length, stack.callerToken)}${body}{"messages":"the rest"}`);
    const [first, second, ...more] = answers(raw);
    expect(more).toEqual([]);
    // The caller reads the answer its request got, under its session, recorded as such…
    expect(first?.status).toBe(200);
    expect((await recordOf(first!.session!)).response).toMatchObject({ status: 200, verdict: "allowed" });
    // …then a refusal of what followed (no exchange began for it: a session of its own, not stored).
    expect(second?.status).toBe(400);
    expect(second?.session).not.toBe(first?.session);
    // The provider got the declared bytes only.
    expect(stack.provider.requests.slice(forwarded).map((request) => request.body)).toEqual([body]);
  });

  it("followed by a request: that request is inspected like any other", async () => {
    const forwarded = stack.provider.requests.length;
    const body = chat("first");
    const next = chat("second, without a token");
    const raw = await exchange(`${chatHead(body.length, stack.callerToken)}${body}${chatHead(next.length, undefined, "connection: close\r\n")}${next}`);
    const [first, second] = answers(raw);
    expect([first?.status, second?.status]).toEqual([200, 401]);
    expect((await recordOf(second!.session!)).response).toMatchObject({ status: 401, verdict: "denied" });
    expect(stack.provider.requests.slice(forwarded).map((request) => request.body)).toEqual([body]);
  });
});
