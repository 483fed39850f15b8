// The agent process stopped with SIGTERM under steady load and started again on the same port:
// a long streamed reply in flight when the signal arrives still completes and is stored (graceful
// shutdown: stop accepting, drain, flush, exit 0); callers meanwhile are refused at connect, or get
// 503 from the new agent until its first snapshot (fail closed); nothing is half-done; and every
// request that succeeded is stored exactly once.
import { describe, expect, it } from "vitest";
import { eventually } from "../support/eventually.js";
import { palisade } from "../support/stack.js";
import {
  clearError,
  freePort,
  notDelivered,
  recordingChat,
  type Outcome,
  settledSessions,
  startAgentProcess,
  useInProcessBed,
  startLoad,
  stopProcess,
  succeeded,
  unseenStored,
  type InProcessBed,
} from "./fault-bed.js";

let controlPlane: InProcessBed["controlPlane"];
let env: Record<string, string>;
let token: string;

useInProcessBed((bed) => {
  ({ controlPlane, env, token } = bed);
});

/** A streamed chat completion of ~20 chunks, 150 ms apart; resolves with its session and whole body. */
function longStream(baseURL: string, firstChunk: () => void): Promise<{ status: number; session: string | null; text: string }> {
  return (async () => {
    const response = await fetch(`${baseURL}/chat/completions`, {
      method: "POST",
      headers: { authorization: `Bearer ${token}`, "content-type": "application/json", "x-stand-in-chunk-delay-ms": "150" },
      body: JSON.stringify({ model: "stand-in", stream: true, messages: [{ role: "user", content: "tell me a long story ".repeat(4) }] }),
    });
    let text = "";
    const decoder = new TextDecoder();
    for await (const chunk of response.body!) {
      text += decoder.decode(chunk as Uint8Array, { stream: true });
      if (text.includes('"content":"Stand-in')) firstChunk();
    }
    return { status: response.status, session: response.headers.get("x-palisade-session"), text };
  })();
}

describe("the agent stopped with SIGTERM and restarted under load", () => {
  it("finishes the stream in flight, exits 0, and loses or duplicates nothing", { timeout: 240_000 }, async () => {
    const enrolment = (await palisade(env, ["agent", "create", "restarting"])).trim();
    const port = await freePort();
    const baseURL = `http://127.0.0.1:${port}/standin/v1`;
    const probes: Outcome[] = [];
    const chatOnce = recordingChat(probes);
    const first = await startAgentProcess(port, controlPlane.url, enrolment);
    await eventually("the agent to serve", async () => (succeeded(await chatOnce(baseURL, token, "ready?")) ? true : undefined), 60_000);

    const load = startLoad(baseURL, token);
    let streaming!: () => void;
    const streamStarted = new Promise<void>((resolve) => (streaming = resolve));
    const stream = longStream(baseURL, streaming);
    await streamStarted;

    const signalledAt = Date.now();
    const exitCode = await stopProcess(first, "SIGTERM");
    expect(exitCode).toBe(0);
    expect(first.stderr()).toContain("stopping the agent");
    const streamed = await stream;
    // The whole reply arrived (its last event) although SIGTERM came after its first chunk.
    expect(streamed.status).toBe(200);
    expect(streamed.text).toContain("data: [DONE]");
    expect(Date.now() - signalledAt).toBeGreaterThan(1_000); // the drain waited for it

    const second = await startAgentProcess(port, controlPlane.url, enrolment);
    await eventually("the restarted agent to serve", async () => (succeeded(await chatOnce(baseURL, token, "back?")) ? true : undefined), 60_000);
    await load.answered(5, "from the restarted agent");
    const outcomes = await load.stop();

    expect(outcomes.filter((outcome) => !succeeded(outcome) && !clearError(outcome) && !notDelivered(outcome))).toEqual([]);
    expect(outcomes.filter(notDelivered).length).toBeGreaterThan(0); // no agent listened for a while
    const answered = [...outcomes, ...probes].filter((outcome) => outcome.session !== null);
    const ids = [...answered.map((outcome) => outcome.session!), streamed.session!];
    const counts = await settledSessions(env, ids);
    expect(ids.filter((id) => counts.get(id) !== 1)).toEqual([]);
    // Every session the agents stored was answered to its caller: no request was handled and then cut.
    expect(unseenStored(counts, [...answered, { ...answered[0]!, session: streamed.session }])).toEqual([]);
    expect(await stopProcess(second, "SIGTERM")).toBe(0);
  });
});
