// `palisade audit tail` and TailSessions: sessions committed through one control plane reach a tail
// on another replica of the same PostgreSQL (NOTIFY), filtered, and the CLI prints them live.
import { createClient } from "@connectrpc/connect";
import { createConnectTransport } from "@connectrpc/connect-node";
import type OpenAI from "openai";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startControlPlane, type ControlPlane } from "../../control-plane/control-plane.js";
import { type Session, SessionService } from "../../gen/palisade/admin/v1/session_service_pb.js";
import { Verdict } from "../../gen/palisade/agent/v1/exchange_pb.js";
import { createAdminClients, createAdminTransport } from "../../cli/client.js";
import type { CliContext } from "../../cli/context.js";
import { runCli } from "../../cli/run.js";
import { runPalisade } from "../cli/test-context.js";
import { eventually, within } from "../support/eventually.js";
import { postgresAvailable } from "../support/database.js";
import { STACK_ADMIN_TOKEN, STACK_SECRET_KEY, type Stack } from "../support/stack.js";
import { openaiAs, startTrafficStack, tokenFor } from "./traffic.js";

/** Reads a server stream into an array until stopped. */
/** Collects the sessions of a tail into `into`; `subscribed` is called on its first (empty) response. */
function collect(stream: AsyncIterable<{ session?: Session }>, into: Session[], subscribed: () => void): Promise<void> {
  return (async () => {
    try {
      for await (const { session } of stream) {
        if (session) into.push(session);
        else subscribed();
      }
    } catch { /* cut by the test */ }
  })();
}

describe.runIf(await postgresAvailable())("audit tail across replicas", { tags: ["postgres"] }, () => {
  let stack: Stack;
  let replica: ControlPlane;
  let dave: OpenAI;
  let erin: OpenAI;

  beforeAll(async () => {
    stack = await startTrafficStack("tail-edge");
    // A second control plane on the same database; the agent talks only to the first.
    replica = await startControlPlane({ listen: "127.0.0.1:0", databaseUrl: stack.db.url, adminToken: STACK_ADMIN_TOKEN, secretKey: STACK_SECRET_KEY });
    dave = openaiAs(stack, await tokenFor(stack, "dave", ["night-shift"]));
    erin = openaiAs(stack, await tokenFor(stack, "erin"));
  }, 60_000);
  afterAll(async () => {
    await replica?.close();
    await stack?.close();
  });

  it("streams sessions committed through the other replica, filtered, over HTTP/1.1 and HTTP/2", async () => {
    const streams = (["1.1", "2"] as const).map((httpVersion) => {
      const transport = createConnectTransport({ baseUrl: replica.url, httpVersion,
        interceptors: [(next) => (req) => { req.header.set("authorization", `Bearer ${STACK_ADMIN_TOKEN}`); return next(req); }] });
      const stop = new AbortController();
      const got: Session[] = [];
      let subscribed!: () => void;
      const live = new Promise<void>((resolve) => { subscribed = resolve; });
      const done = collect(createClient(SessionService, transport).tailSessions({ group: "night-shift" }, { signal: stop.signal }), got, subscribed);
      return { got, stop, done, live };
    });
    // The first response (no session) says the tail is subscribed.
    await Promise.all(streams.map(({ live }) => within("the tail to be subscribed", live)));
    await erin.chat.completions.create({ model: "gpt-4o-mini", messages: [{ role: "user", content: "not on the night shift" }] });
    const { response } = await dave.chat.completions
      .create({ model: "gpt-4o-mini", stream: true, messages: [{ role: "user", content: "moonlight" }] })
      .withResponse();
    const id = response.headers.get("x-palisade-session");
    for (const { got } of streams) {
      const session = await eventually("the session on the replica's tail", async () => got.find((s) => s.exchange?.id === id), 10_000);
      expect(session.exchange?.identity?.subject).toBe("dave");
      expect(session.exchange?.verdict).toBe(Verdict.ALLOWED);
      expect(session.exchange?.responseBody).toBe("");
      expect(got.every((s) => s.exchange?.identity?.groups.includes("night-shift"))).toBe(true);
    }
    for (const { stop, done } of streams) {
      stop.abort();
      await done;
    }
  });

  it("prints live sessions from `palisade audit tail` until stopped", async () => {
    let stdout = "";
    let stderr = "";
    let stop!: (signal: string) => void;
    const stopped = new Promise<string>((resolve) => { stop = resolve; });
    const ctx: CliContext = {
      out: (text) => void (stdout += text),
      write: async (text) => void (stdout += text),
      err: (text) => void (stderr += text),
      flush: async () => undefined,
      readStdin: async () => "",
      env: { PALISADE_SERVER: replica.url, PALISADE_TOKEN: STACK_ADMIN_TOKEN, PALISADE_DATA_DIR: "/nonexistent" },
      connect: (server, token, caFile) => createAdminClients(createAdminTransport({ server, token, caFile })),
      untilStopped: () => stopped,
    };
    const run = runCli(["audit", "tail", "--subject", "erin", "-o", "json"], ctx);
    await eventually("the tail to be subscribed", () => stderr.includes("following new sessions"));
    const ids: string[] = [];
    for (const word of ["first", "second"]) {
      const { response } = await erin.chat.completions.create({ model: "gpt-4o-mini", messages: [{ role: "user", content: word }] }).withResponse();
      ids.push(response.headers.get("x-palisade-session")!);
      await dave.chat.completions.create({ model: "gpt-4o-mini", messages: [{ role: "user", content: word }] });
    }
    const lines = await eventually("both sessions printed", async () => {
      const printed = stdout.split("\n").filter(Boolean).map((line) => JSON.parse(line) as { id: string; identity: { subject: string } });
      return printed.length >= 2 ? printed : undefined;
    }, 10_000);
    expect(lines.map((l) => l.id)).toEqual(ids);
    expect(lines.every((l) => l.identity.subject === "erin")).toBe(true);
    stop("SIGINT");
    expect(await run, stderr).toBe(0);
  });

  it("refuses free text to a viewer", async () => {
    const env = { PALISADE_SERVER: replica.url, PALISADE_TOKEN: await tokenFor(stack, "vic"), PALISADE_DATA_DIR: "/nonexistent" };
    await runPalisade(["apply", "-f", "-"], stack.env, "kind: RoleBinding\nname: tail-viewers\nrole: viewer\nsubjects: [vic]\n");
    const run = await eventually("the binding on the replica", async () => {
      // Never stopped: a refused tail ends by itself.
      const attempt = await runPalisade(["audit", "tail", "--text", "moonlight"], env, "", new Promise(() => {}));
      return /requires role admin or auditor/.test(attempt.stderr) ? attempt : undefined;
    });
    expect(run.code).not.toBe(0);
  });
});
