// `palisade audit replay`: a streamed session re-emitted write by write in its recorded order and at
// its recorded pace (scaled by --speed), a whole one at once; `--resend` sends the request again
// through the agent as the admin (a new, ordinary session), audited, and refused to a viewer.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Exchange } from "../../gen/palisade/agent/v1/exchange_pb.js";
import { createAdminClients, createAdminTransport } from "../../cli/client.js";
import type { CliContext } from "../../cli/context.js";
import { runCli } from "../../cli/run.js";
import { runPalisade } from "../cli/test-context.js";
import { eventually } from "../support/eventually.js";
import { palisade, STACK_ADMIN_TOKEN, type Stack } from "../support/stack.js";
import { openaiAs, startTrafficStack, tokenFor } from "./traffic.js";

/** Runs the CLI in process, noting when each piece of output was written. */
async function timedRun(args: string[], env: Record<string, string>) {
  const writes: { at: number; text: string }[] = [];
  let stderr = "";
  const ctx: CliContext = {
    out: (text) => void writes.push({ at: performance.now(), text }),
    write: async (text) => void writes.push({ at: performance.now(), text }),
    err: (text) => void (stderr += text),
    flush: async () => undefined,
    readStdin: async () => "",
    env,
    connect: (server, token, caFile) => createAdminClients(createAdminTransport({ server, token, caFile })),
    untilStopped: () => new Promise(() => {}),
  };
  const code = await runCli(args, ctx);
  return { code, stderr, writes, stdout: writes.map((w) => w.text).join("") };
}

const ms = (x: Exchange, i: number) => Number(x.responseChunks[i]!.offset!.seconds) * 1000 + x.responseChunks[i]!.offset!.nanos / 1e6;

describe("audit replay", () => {
  let stack: Stack;
  let streamed: Exchange;
  let plainId: string;

  beforeAll(async () => {
    stack = await startTrafficStack("replay-edge", { chunkDelayMs: 40 });
    const bob = openaiAs(stack, await tokenFor(stack, "bob"));
    const { response } = await bob.chat.completions
      .create({ model: "gpt-4o", stream: true, messages: [{ role: "user", content: "one two three four five" }] })
      .withResponse()
      .then(async (r) => { for await (const _ of r.data) { /* read it all */ } return r; });
    const plain = await bob.chat.completions.create({ model: "gpt-4o", messages: [{ role: "user", content: "whole answer" }] }).withResponse();
    plainId = plain.response.headers.get("x-palisade-session")!;
    const sessions = createAdminClients(createAdminTransport({ server: stack.controlPlane.url, token: STACK_ADMIN_TOKEN })).sessions;
    const id = response.headers.get("x-palisade-session")!;
    streamed = await eventually("the streamed session", async () => (await sessions.getSession({ id }).catch(() => undefined))?.session?.exchange);
    await eventually("the plain session", async () => (await sessions.getSession({ id: plainId }).catch(() => undefined))?.session);
  }, 60_000);
  afterAll(async () => { await stack?.close(); });

  it("recorded every write to the caller with growing offsets", () => {
    expect(streamed.responseChunks.length).toBeGreaterThanOrEqual(6);
    const offsets = streamed.responseChunks.map((_, i) => ms(streamed, i));
    expect(offsets).toEqual([...offsets].sort((a, b) => a - b));
    // The stand-in waits 40 ms between words: the last write is well after the first.
    expect(offsets.at(-1)! - offsets[0]!).toBeGreaterThan(150);
    expect(streamed.responseChunks.map((c) => c.data).join("")).toMatch(/data: .*"content":"Stand-in".*\[DONE\]/s);
  });

  it("re-emits the writes in order, no faster than recorded divided by --speed", async () => {
    const run = await timedRun(["audit", "replay", streamed.id, "--speed", "2"], stack.env);
    expect(run.code, run.stderr).toBe(0);
    const data = streamed.responseChunks.map((c) => c.data);
    const emitted = run.writes.filter((w) => data.includes(w.text));
    expect(emitted.map((w) => w.text)).toEqual(data);
    // Each write leaves no sooner than its offset / speed after the status line. Times are taken
    // here, on arrival through a pipe, so the status line itself may be read a few ms late: 10 ms of
    // slack still fails a replay that ignores timing (its writes arrive all at once, ~100 ms early).
    const status = run.writes.find((w) => w.text.startsWith("< 200"))!;
    emitted.forEach((w, i) => { expect(w.at - status.at).toBeGreaterThanOrEqual(ms(streamed, i) / 2 - 10); });
    expect(emitted.at(-1)!.at - status.at).toBeGreaterThan(50);
    expect(run.stdout).toContain(`=== recorded: session ${streamed.id} (bob) ===\n> POST /standin/v1/chat/completions\n`);
    expect(run.stdout).toContain("< 200 (streamed)\n");
  });

  it("prints a whole response at once", async () => {
    const run = await timedRun(["audit", "replay", plainId, "--speed", "0"], stack.env);
    expect(run.code, run.stderr).toBe(0);
    expect(run.stdout).toMatch(/< 200\n\{.*Stand-in says: whole answer/s);
  });

  it("resends through the agent as a new session, audited", async () => {
    const run = await runPalisade(["audit", "replay", plainId, "--speed", "0", "--resend", "--agent", stack.agent.url], stack.env);
    expect(run.code, run.stderr).toBe(0);
    const [recorded, resent] = run.stdout.split("=== resent ===\n");
    expect(recorded).toContain("Stand-in says: whole answer");
    expect(resent).toMatch(/^> POST \/standin\/v1\/chat\/completions \(as admin-token:bootstrap\)\n< 200 \(new session (\S+)\)\n.*Stand-in says: whole answer/s);
    const newId = /new session (\S+)\)/.exec(resent!)![1]!;
    expect(newId).not.toBe(plainId);
    // An ordinary session of the admin's own identity.
    const found = await eventually("the resent session", async () => {
      const ids = JSON.parse(await palisade(stack.env, ["audit", "search", "--subject", "admin-token:bootstrap", "-o", "json"])) as { id: string }[];
      return ids.some((s) => s.id === newId) ? true : undefined;
    });
    expect(found).toBe(true);
    const exported = await palisade(stack.env, ["audit", "export", "--format", "jsonl"]);
    type Entry = { type?: string; subject?: string; payload?: { rpc?: string; request?: { id?: string } } };
    const resends = exported.split("\n").filter(Boolean).map((line) => (JSON.parse(line) as { entry?: Entry }).entry)
      .filter((entry) => entry?.payload?.rpc === "palisade.admin.v1.SessionService/PrepareResend");
    expect(resends).toHaveLength(1);
    expect(resends[0]).toMatchObject({ type: "admin", subject: "admin-token:bootstrap", payload: { request: { id: plainId } } });
  });

  it("refuses a resend to anyone but an admin, and one without an agent", async () => {
    await palisade(stack.env, ["apply", "-f", "-"], "kind: RoleBinding\nname: replay-auditors\nrole: auditor\nsubjects: [aud]\n");
    const auditor = { ...stack.env, PALISADE_TOKEN: await tokenFor(stack, "aud") };
    const refused = await runPalisade(["audit", "replay", plainId, "--speed", "0", "--resend", "--agent", stack.agent.url], auditor);
    expect(refused.code).not.toBe(0);
    expect(refused.stderr).toMatch(/PrepareResend requires role admin/);
    const noAgent = await runPalisade(["audit", "replay", plainId, "--resend"], stack.env);
    expect(noAgent.stderr).toMatch(/--resend needs --agent/);
  });
});

describe("audit show", () => {
  let stack: Stack;
  let denied: string;
  let allowed: string;

  beforeAll(async () => {
    stack = await startTrafficStack("show-edge");
    const bob = openaiAs(stack, await tokenFor(stack, "bob", ["sales"]));
    await eventually("the deny policy", async () => {
      try {
        await bob.chat.completions.create({ model: "gpt-blocked", messages: [{ role: "user", content: "try" }] });
        return undefined;
      } catch (error) {
        denied = (error as { headers?: Headers }).headers?.get("x-palisade-session") ?? "";
        return denied || undefined;
      }
    });
    const ok = await bob.chat.completions.create({ model: "gpt-4o", stream: true, stream_options: { include_usage: true }, messages: [{ role: "user", content: "show me" }] }).withResponse();
    for await (const _ of ok.data) { /* read it all */ }
    allowed = ok.response.headers.get("x-palisade-session")!;
    await eventually("both sessions stored", async () => {
      const ids = (JSON.parse(await palisade(stack.env, ["audit", "search", "--subject", "bob", "-o", "json"])) as { id: string }[]).map((s) => s.id);
      return ids.includes(denied) && ids.includes(allowed) ? true : undefined;
    });
  }, 60_000);
  afterAll(async () => { await stack?.close(); });

  it("prints identity, decision and reason, request and response, usage and timings", async () => {
    const refused = await palisade(stack.env, ["audit", "show", denied]);
    expect(refused).toMatch(/^Session\s+\S+\nIdentity\s+bob\s+groups sales/m);
    expect(refused).toMatch(/^Response\s+403\s+denied\s+denied by policy no-blocked-model: gpt-blocked is not allowed/m);
    expect(refused).toMatch(/^Policy\s+no-blocked-model$/m);
    expect(refused).toContain('"model":"gpt-blocked"');
    const shown = await palisade(stack.env, ["audit", "show", allowed]);
    expect(shown).toMatch(/^Request\s+POST\s+\/v1\/chat\/completions\s+model gpt-4o\s+streamed/m);
    expect(shown).toMatch(/^Usage\s+\d+ prompt \+ \d+ completion = \d+ tokens/m);
    expect(shown).toMatch(/^Timings\s+started \S+, first byte \d+ ms, total \d+ ms, \d+ streamed writes?/m);
    expect(shown).toMatch(/Response body:\nStand-in says: show me/);
    const json = JSON.parse(await palisade(stack.env, ["audit", "show", allowed, "-o", "json"])) as { response: { writes: number; policy: string } };
    expect(json.response.policy).toBe("allow-all");
    expect(json.response.writes).toBeGreaterThan(0);
  });
});
