// Manual blocks through the CLI on a real stack: the caller's next request gets 403 in the OpenAI
// format naming the block and is recorded as DENIED; `unblock` lifts it; a short block expires on
// the agent's own clock; blocks survive a control-plane restart and reach an agent started after it.
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import OpenAI from "openai";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startAgent } from "../../agent/agent.js";
import { createAdminClients, createAdminTransport } from "../../cli/client.js";
import { Verdict } from "../../gen/palisade/agent/v1/exchange_pb.js";
import { startControlPlane } from "../../control-plane/control-plane.js";
import { eventually } from "../support/eventually.js";
import { modelsStatus, palisade, STACK_ADMIN_TOKEN, STACK_SECRET_KEY, startStack, type Stack } from "../support/stack.js";

let dataDir: string;
let stack: Stack;
let client: OpenAI;
const SUBJECT = "mallory@example.com";

async function chat(): Promise<unknown> {
  try {
    return await client.chat.completions.create({ model: "stand-in", messages: [{ role: "user", content: "hello" }] });
  } catch (error) {
    return error;
  }
}

const refused = async (url = stack.agent.url) => ((await modelsStatus(url, stack.callerToken)) === 403 ? true : undefined);
const served = async (url = stack.agent.url) => ((await modelsStatus(url, stack.callerToken)) === 200 ? true : undefined);

beforeAll(async () => {
  dataDir = await mkdtemp(join(tmpdir(), "palisade-blocks-"));
  stack = await startStack({ agentName: "blocks", subject: SUBJECT, controlPlane: { dataDir } });
  client = new OpenAI({ baseURL: stack.baseURL, apiKey: stack.callerToken, maxRetries: 0 });
});

afterAll(async () => {
  await stack?.close();
  await rm(dataDir, { recursive: true, force: true });
});

describe("manual blocks", () => {
  it("refuses the blocked caller with a 403 naming the block, then lifts it on unblock", { timeout: 30_000 }, async () => {
    const out = await palisade(stack.env, ["block", SUBJECT, "--for", "1h", "--reason", "stolen laptop"]);
    expect(out).toMatch(new RegExp(`^${SUBJECT} blocked until \\d{4}-`));
    await eventually("the block to reach the agent", () => refused());

    const error = await chat();
    expect(error).toBeInstanceOf(OpenAI.PermissionDeniedError);
    const denied = error as InstanceType<typeof OpenAI.PermissionDeniedError>;
    expect(denied.status).toBe(403);
    expect(denied.message).toMatch(/Blocked by Palisade until \d{4}-\d\d-\d\dT[\d:.]+Z \(an administrator\): stolen laptop/);

    const session = denied.headers?.get("x-palisade-session");
    const admin = createAdminClients(createAdminTransport({ server: stack.controlPlane.url, token: STACK_ADMIN_TOKEN }));
    const record = await eventually("the refusal to be recorded", () =>
      admin.sessions.getSession({ id: session! }).then((r) => r.session?.exchange, () => undefined));
    expect(record.verdict).toBe(Verdict.DENIED);
    expect(record.status).toBe(403);
    expect(record.reason).toMatch(/^blocked until .* by an administrator: stolen laptop$/);

    const listed = JSON.parse(await palisade(stack.env, ["blocks", "-o", "json"])) as Array<{ subject: string; reason: string; createdBy: string }>;
    expect(listed).toHaveLength(1);
    expect(listed[0]).toMatchObject({ subject: SUBJECT, reason: "stolen laptop" });

    expect(await palisade(stack.env, ["unblock", SUBJECT])).toBe(`${SUBJECT} unblocked (1 block lifted)\n`);
    await eventually("the agent to serve the caller again", () => served());
    expect(JSON.parse(await palisade(stack.env, ["blocks", "-o", "json"]))).toEqual([]);
    const history = JSON.parse(await palisade(stack.env, ["blocks", "--all", "-o", "json"])) as Array<{ liftedBy: string }>;
    expect(history[0]!.liftedBy).toBeTruthy();
  });

  it("lets a block expire on the agent's clock, with no push", { timeout: 30_000 }, async () => {
    await palisade(stack.env, ["block", SUBJECT, "--for", "3s"]);
    await eventually("the short block to reach the agent", () => refused());
    const refusedAt = Date.now();
    await eventually("the block to expire", () => served(), 10_000);
    expect(Date.now() - refusedAt).toBeLessThan(5000);
  });

  it("keeps blocks across a control-plane restart, and a new agent enforces them", { timeout: 60_000 }, async () => {
    await palisade(stack.env, ["block", SUBJECT, "--for", "1h", "--reason", "investigation"]);
    await eventually("the block to reach the agent", () => refused());

    const address = new URL(stack.controlPlane.url).host;
    await stack.controlPlane.close();
    // Control plane away: the agent keeps enforcing the block from its last snapshot.
    expect(await modelsStatus(stack.agent.url, stack.callerToken)).toBe(403);
    stack.controlPlane = await startControlPlane({ listen: address, databaseUrl: stack.db.url, dataDir, adminToken: STACK_ADMIN_TOKEN, secretKey: STACK_SECRET_KEY });

    const enrolment = (await palisade(stack.env, ["agent", "create", "fresh"])).trim();
    const fresh = await startAgent({ listen: "127.0.0.1:0", controlPlane: stack.controlPlane.url, token: enrolment });
    try {
      await eventually("the new agent to get its snapshot", async () => ((await modelsStatus(fresh.url, stack.callerToken)) !== 503 ? true : undefined));
      expect(await modelsStatus(fresh.url, stack.callerToken)).toBe(403);
      expect(await modelsStatus(stack.agent.url, stack.callerToken)).toBe(403);
    } finally {
      await fresh.close();
    }
    await palisade(stack.env, ["unblock", SUBJECT]);
  });

  it("refuses bad block requests with clear errors", async () => {
    const { runPalisade } = await import("../cli/test-context.js");
    const run = await runPalisade(["unblock", "nobody@example.com"], stack.env);
    expect(run.code).not.toBe(0);
    expect(run.stderr).toContain("is not blocked");
    const tooLong = await runPalisade(["block", SUBJECT, "--for", "400d"], stack.env);
    expect(tooLong.stderr).toContain("duration must be at least 1s and at most 365d [duration.gte_lte]");
  });
});
