// A caller whose request head is fine but whose body breaks HTTP (a chunk size that is no number):
// Node's parser refuses it after the exchange began (the token was checked, the body was being
// read). The 400 carries that exchange's session, and the exchange is recorded once under it with
// what the caller was answered — not under a session nobody stored, nor as a caller that went away.
import { connect } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { palisade, startStack, type Stack } from "../support/stack.js";
import { parseResponse } from "../fuzz/raw-http.js";
import { settledSessions } from "./fault-bed.js";

let stack: Stack;

beforeAll(async () => {
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
