// The control plane goes away and comes back on the same port and database while traffic flows
// through a real agent: the agent keeps serving on its last snapshot, holds the exchanges it
// recorded meanwhile, reconnects, and every exchange ends up stored exactly once.
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import OpenAI from "openai";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startControlPlane } from "../../control-plane/control-plane.js";
import { eventually } from "../support/eventually.js";
import { palisade, STACK_ADMIN_TOKEN, STACK_SECRET_KEY, startStack, type Stack } from "../support/stack.js";

let dataDir: string;
let stack: Stack;
let client: OpenAI;

/** Ids of the chat completions the control plane stored (readiness probes are left out). */
async function storedSessionIds(): Promise<string[]> {
  const sessions = JSON.parse(await palisade(stack.env, ["audit", "list", "--limit", "1000", "-o", "json"])) as {
    id: string;
    request: { path: string };
  }[];
  return sessions.filter((session) => session.request.path.endsWith("/chat/completions")).map((session) => session.id);
}

/** One chat completion through the agent; returns its session id. */
async function chat(prompt: string): Promise<string> {
  const { response } = await client.chat.completions
    .create({ model: "stand-in", messages: [{ role: "user", content: prompt }] })
    .withResponse();
  const session = response.headers.get("x-palisade-session");
  expect(session).toBeTruthy();
  return session!;
}

beforeAll(async () => {
  // A data directory too, so that the embedded database (when PostgreSQL is absent) survives.
  dataDir = await mkdtemp(join(tmpdir(), "palisade-restart-"));
  stack = await startStack({ agentName: "steady", controlPlane: { dataDir } });
  client = new OpenAI({ baseURL: stack.baseURL, apiKey: stack.callerToken, maxRetries: 0 });
});

afterAll(async () => {
  await stack?.close();
  await rm(dataDir, { recursive: true, force: true });
});

describe("control plane restart under traffic", () => {
  it("loses no exchange and stores none twice", { timeout: 90_000 }, async () => {
    const sent: string[] = [];
    for (let i = 0; i < 5; i++) sent.push(await chat(`before ${i}`));
    await eventually("the first exchanges to be stored", async () => ((await storedSessionIds()).length === sent.length ? true : undefined));

    // Control plane gone: the agent keeps serving on its last good snapshot and buffers records.
    const address = new URL(stack.controlPlane.url).host;
    await stack.controlPlane.close();
    for (let i = 0; i < 10; i++) sent.push(await chat(`while away ${i}`));

    stack.controlPlane = await startControlPlane({ listen: address, databaseUrl: stack.db.url, dataDir, adminToken: STACK_ADMIN_TOKEN, secretKey: STACK_SECRET_KEY });
    for (let i = 0; i < 5; i++) sent.push(await chat(`after ${i}`));

    const stored = await eventually("every exchange to be stored", async () => {
      const ids = await storedSessionIds();
      return ids.length >= sent.length ? ids : undefined;
    }, 30_000);
    expect(stored.length).toBe(sent.length);
    expect(new Set(stored)).toEqual(new Set(sent));
  });
});
