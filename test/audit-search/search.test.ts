// `palisade audit search` against a real stack: sessions made by real `openai` clients of three
// subjects, found by each filter, by free text (a word that only the streamed response holds) once
// the text index holds them, paged, and refused or emptied for a viewer.
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { SEARCH_INDEX_LOCK } from "../../control-plane/search/search-index.js";
import { runPalisade } from "../cli/test-context.js";
import { postgresAvailable } from "../support/database.js";
import { eventually } from "../support/eventually.js";
import { palisade, type Stack } from "../support/stack.js";
import { makeTraffic, openaiAs, startTrafficStack, tokenFor, type Traffic } from "./traffic.js";

const LAG_NOTE = /Note: the text index is \d+ s behind/;
const onPostgres = await postgresAvailable();

describe("audit search", () => {
  let stack: Stack;
  let traffic: Traffic;
  let viewerEnv: Record<string, string>;
  const searchAll = async (...args: string[]) =>
    (JSON.parse(await palisade(stack.env, ["audit", "search", "-o", "json", ...args])) as { id: string }[]).map((s) => s.id);
  // The stack's and the policy probe's own sessions left out.
  const search = async (...args: string[]) => {
    const made = new Set(Object.values(traffic));
    return (await searchAll(...args)).filter((id) => made.has(id));
  };

  beforeAll(async () => {
    // The lag bound is tested apart (search-index.test.ts): here a held-up index stays held up.
    stack = await startTrafficStack("search-edge", { controlPlane: { searchIndex: { maxLagMs: Number.POSITIVE_INFINITY } } });
    traffic = await makeTraffic(stack);
    await palisade(stack.env, ["apply", "-f", "-"], "kind: RoleBinding\nname: watchers\nrole: viewer\nsubjects: [vera]\n");
    viewerEnv = { ...stack.env, PALISADE_TOKEN: await tokenFor(stack, "vera") };
  }, 60_000);
  afterAll(async () => { await stack?.close(); });

  it("filters by subject, group, connection and model", async () => {
    expect(await search("--subject", "carol")).toEqual([traffic.carolLimited, traffic.carolAllowed]);
    expect(await search("--group", "research")).toEqual([traffic.aliceDenied, traffic.alicePlain]);
    expect(await search("--group", "sales")).toEqual([traffic.bobStreamed]);
    expect(await search("--model", "gpt-4o")).toEqual([traffic.bobStreamed]);
    expect(await search("--connection", "nowhere")).toEqual([]);
    expect(await search("--connection", "standin", "--subject", "bob")).toEqual([traffic.bobStreamed]);
  });

  it("filters by verdict, several at once", async () => {
    expect(await search("--verdict", "denied")).toEqual([traffic.aliceDenied]);
    expect(await search("--verdict", "limited")).toEqual([traffic.carolLimited]);
    expect(await search("--verdict", "denied,limited")).toEqual([traffic.carolLimited, traffic.aliceDenied]);
    expect(await search("--verdict", "masked", "--verdict", "reviewed")).toEqual([]);
    const bad = await runPalisade(["audit", "search", "--verdict", "maybe"], stack.env);
    expect(bad.code).not.toBe(0);
    expect(bad.stderr).toMatch(/unknown verdict "maybe"/);
  });

  it("filters by time range", async () => {
    expect(await search("--until", "2000-01-01T00:00:00Z")).toEqual([]);
    const all = await search("--since", "10m");
    expect(all).toHaveLength(5);
    expect(await search("--since", "2000-01-01T00:00:00Z", "--until", "1m")).toEqual([]);
  });

  it("finds free text in prompts and in responses, streamed ones reassembled", async () => {
    await eventually("the text index to hold every session", async () => {
      const run = await runPalisade(["audit", "search", "--text", "pelican"], stack.env);
      return run.code === 0 && !LAG_NOTE.test(run.stderr);
    });
    expect(await search("--text", "pelican")).toEqual([traffic.alicePlain]);
    // "harbour" is in bob's prompt and streamed answer; "says" only in the answers the stand-in gave.
    expect(await search("--text", "harbour")).toEqual([traffic.bobStreamed]);
    const says = await search("--text", "says");
    expect(says).toContain(traffic.bobStreamed);
    expect(says).not.toContain(traffic.aliceDenied);
    expect(says).not.toContain(traffic.carolLimited);
    expect(await search("--text", "says harbour", "--subject", "bob")).toEqual([traffic.bobStreamed]);
    expect(await search("--text", '"quarterly pelican"')).toEqual([traffic.alicePlain]);
    expect(await search("--text", "otter -second")).toEqual([traffic.carolAllowed]);
    expect(await search("--text", "walrus")).toEqual([traffic.aliceDenied]);
  });

  it("pages: --limit stops early and prints the token that continues", async () => {
    const first = await runPalisade(["audit", "search", "-o", "json", "--limit", "2"], stack.env);
    const page1 = (JSON.parse(first.stdout) as { id: string }[]).map((s) => s.id);
    const token = /--page-token (\S+)/.exec(first.stderr)?.[1];
    expect(page1).toHaveLength(2);
    expect(token).toBeDefined();
    const rest = await searchAll("--page-token", token!);
    const all = await searchAll();
    expect([...page1, ...rest]).toEqual(all);
    expect(new Set(all).size).toBe(all.length);
    expect(all.length).toBeGreaterThan(5);
  });

  it("tables and YAML print the same sessions", async () => {
    const table = await palisade(stack.env, ["audit", "search", "--subject", "bob"]);
    expect(table).toMatch(/^TIME\s+SESSION\s+SUBJECT/);
    expect(table).toContain(traffic.bobStreamed);
    const yaml = await palisade(stack.env, ["audit", "search", "--subject", "bob", "-o", "yaml"]);
    expect(yaml).toContain(`id: ${traffic.bobStreamed}`);
  });

  it.runIf(onPostgres)("says when the text index is behind, and finds the session once it caught up", async () => {
    // Another replica holding the indexing lock without progress: the index falls behind.
    const stuck = new pg.Client({ connectionString: stack.db.url });
    await stuck.connect();
    try {
      await stuck.query("begin");
      await stuck.query("select pg_advisory_xact_lock($1)", [SEARCH_INDEX_LOCK]);
      const dana = openaiAs(stack, await tokenFor(stack, "dana"));
      const made = await dana.chat.completions.create({ model: "gpt-4o-mini", messages: [{ role: "user", content: "a lonely heron" }] }).withResponse();
      const id = made.response.headers.get("x-palisade-session")!;
      await eventually("the session to be stored", async () => (await searchAll("--subject", "dana")).includes(id));
      const behind = await runPalisade(["audit", "search", "-o", "json", "--text", "heron"], stack.env);
      expect(behind.code, behind.stderr).toBe(0);
      expect(JSON.parse(behind.stdout)).toEqual([]);
      expect(behind.stderr).toMatch(LAG_NOTE);
      await stuck.query("rollback");
      await eventually("the text index to catch up", async () => {
        const run = await runPalisade(["audit", "search", "-o", "json", "--text", "heron"], stack.env);
        return !LAG_NOTE.test(run.stderr) && run.stdout;
      });
      expect((await searchAll("--text", "heron"))).toEqual([id]);
    } finally {
      await stuck.end();
    }
  });

  it("lets a viewer filter but not search contents, and shows a viewer no bodies", async () => {
    const listed = await runPalisade(["audit", "search", "-o", "json", "--subject", "alice"], viewerEnv);
    expect(listed.code, listed.stderr).toBe(0);
    expect((JSON.parse(listed.stdout) as unknown[]).length).toBe(2);
    const text = await runPalisade(["audit", "search", "--text", "pelican"], viewerEnv);
    expect(text.code).not.toBe(0);
    expect(text.stderr).toMatch(/free-text search .*requires role admin or auditor; vera holds viewer/);
    const shown = await runPalisade(["audit", "show", traffic.bobStreamed, "-o", "json"], viewerEnv);
    expect(shown.code, shown.stderr).toBe(0);
    const view = JSON.parse(shown.stdout) as { request: { body: string }; response: { body: string; writes?: number } };
    expect(view.request.body).toBe("");
    expect(view.response.body).toBe("");
    expect(view.response.writes).toBeUndefined();
  });
});
