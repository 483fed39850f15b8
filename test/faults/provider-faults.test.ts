// A misbehaving provider behind a real agent process (upstream timeout 1 s) under steady load: a
// provider that hangs, resets the connection before answering or in the middle of a stream, and
// sends broken SSE. Each faulty call ends with a clear error in the provider's format (or, once a
// stream has begun, with the stream cut), each is recorded once as what it was, and the agent
// keeps serving everyone else throughout.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { eventually } from "../e2e/eventually.js";
import { testDatabase, type TestDatabase } from "../support/database.js";
import { palisade } from "../support/stack.js";
import { chatOnce, clearError, freePort, settledSessions, startAgentProcess, startInProcessBed, startLoad, succeeded, type InProcessBed } from "./fault-bed.js";

let db: TestDatabase;
let bed: InProcessBed;
let env: Record<string, string>;
let token: string;
let baseURL: string;

beforeAll(async () => {
  db = await testDatabase();
  bed = await startInProcessBed(db.url);
  ({ env, token } = bed);
  const port = await freePort();
  await startAgentProcess(port, bed.controlPlane.url, (await palisade(env, ["agent", "create", "faulty"])).trim(), ["--upstream-timeout", "1s"]);
  baseURL = `http://127.0.0.1:${port}/standin/v1`;
  await eventually("the agent to serve", async () => (succeeded(await chatOnce(baseURL, token, "ready?")) ? true : undefined), 60_000);
}, 120_000);

afterAll(async () => {
  await bed?.close();
  await db?.close();
});

interface Session {
  id: string;
  response: { status: number; verdict: string; reason?: string; error?: string };
}

/** A streamed chat completion with `fault`: status, session and the raw body (or the cut). */
async function faultyStream(fault: string): Promise<{ status: number; session: string | null; text: string; cut?: string }> {
  const response = await fetch(`${baseURL}/chat/completions`, {
    method: "POST",
    headers: { authorization: `Bearer ${token}`, "content-type": "application/json", "x-stand-in-fault": fault },
    body: JSON.stringify({ model: "stand-in", stream: true, messages: [{ role: "user", content: "one two three four" }] }),
  });
  const session = response.headers.get("x-palisade-session");
  let text = "";
  try {
    for await (const chunk of response.body!) text += Buffer.from(chunk as Uint8Array).toString("latin1");
    return { status: response.status, session, text };
  } catch (error) {
    return { status: response.status, session, text, cut: String((error as Error).message) };
  }
}

describe("a provider that hangs, resets and sends broken SSE", () => {
  it("gives each caller a clear outcome, records each once, and keeps serving the rest", { timeout: 120_000 }, async () => {
    const load = startLoad(baseURL, token);
    const hang = chatOnce(baseURL, token, "hang", { "x-stand-in-fault": "hang" });
    const reset = await chatOnce(baseURL, token, "reset", { "x-stand-in-fault": "reset" });
    const midStream = await faultyStream("reset-mid-stream");
    const broken = await faultyStream("broken-sse");
    const hung = await hang;
    await new Promise((resolve) => setTimeout(resolve, 500));
    const outcomes = await load.stop();

    // Before any byte of an answer: a clear error in the OpenAI format, naming what happened.
    expect(hung.status).toBe(504);
    expect(clearError(hung)).toBe(true);
    expect(hung.body).toMatchObject({ error: { code: "upstream_timeout", message: expect.stringMatching(/did not answer in time/) } });
    expect(reset.status).toBe(502);
    expect(clearError(reset)).toBe(true);
    expect(reset.body).toMatchObject({ error: { code: "upstream_unreachable" } });
    // Once a stream has begun the status is sent: the caller sees the stream cut, without [DONE].
    expect(midStream.status).toBe(200);
    expect(midStream.cut).toBeDefined();
    expect(midStream.text).not.toContain("[DONE]");
    // Broken SSE is passed through as the provider sent it (the caller's SDK judges it).
    expect(broken.status).toBe(200);
    expect(broken.text).toContain('{"content":"trunc');
    expect(broken.text).not.toContain("[DONE]");

    // Everyone else was served meanwhile.
    expect(outcomes.length).toBeGreaterThan(5);
    expect(outcomes.filter((outcome) => !succeeded(outcome))).toEqual([]);

    const faulty = [hung.session!, reset.session!, midStream.session!, broken.session!];
    const ids = [...faulty, ...outcomes.map((outcome) => outcome.session!)];
    const counts = await settledSessions(env, ids);
    expect(ids.filter((id) => counts.get(id) !== 1)).toEqual([]);
    const recorded = await Promise.all(faulty.map(async (id) => JSON.parse(await palisade(env, ["audit", "show", id, "-o", "json"])) as Session));
    expect(recorded.map((session) => [session.response.status, session.response.verdict])).toEqual([
      [504, "failed"],
      [502, "failed"],
      [200, "failed"],
      [200, "allowed"],
    ]);
    expect(recorded[2]!.response.error).toMatch(/upstream broke off/);
  });
});
