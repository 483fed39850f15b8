// A budget of 100 tokens a day (Europe/Paris) for one caller, spent with plain and streamed replies
// through the real openai client: counted exactly from the recorded usage, the caller gets 429 in
// OpenAI's format on every agent once it is spent (overshooting by less than one request), a
// request whose max_tokens alone is more than what is left is refused up front, thresholds raise
// alerts, and at the period boundary (the control plane's clock moved there, no sleep) the caller
// is served again.
import OpenAI from "openai";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startAgent, type Agent } from "../../agent/agent.js";
import { periodAt } from "../../control-plane/budgets/budget-period.js";
import { eventually } from "../support/eventually.js";
import { postgresAvailable } from "../support/database.js";
import { palisade, startStack, type Stack } from "../support/stack.js";

// The test reads budget_state and change_event directly (to wait for pushes, not for time): PostgreSQL.
const hasPostgres = await postgresAvailable();

describe.runIf(hasPostgres)("budgets (PostgreSQL)", { tags: ["postgres"] }, () => {
  const N = 100;
  let stack: Stack;
  let other: Agent;
  let offsetMs = 0;
  const clock = () => new Date(Date.now() + offsetMs);

  beforeAll(async () => {
    stack = await startStack({ agentName: "budget-a", subject: "spender@example.com", controlPlane: { budgetClock: clock, alertIntervalMs: 250 } });
    other = await startAgent({ listen: "127.0.0.1:0", controlPlane: stack.controlPlane.url, token: (await palisade(stack.env, ["agent", "create", "budget-b"])).trim() });
    await palisade(stack.env, ["apply", "-f", "-"], `kind: ModelPrice
name: stand-in
model: stand-in*
inputPerMillion: 1000
outputPerMillion: 2000
---
kind: Budget
name: daily-tokens
per: subject
period: day
timeZone: Europe/Paris
tokens: ${N}
subjects: [spender@example.com]
---
kind: Budget
name: careful
per: subject
period: month
tokens: 40
subjects: [careful@example.com]
---
kind: Budget
name: leavers
per: subject
period: month
tokens: 700
subjects: [leaver@example.com]
`);
  }, 120_000);

  afterAll(async () => {
    await other?.close();
    await stack?.close();
  });

  interface Status { budget: string; scope: string; spentTokens: number; spent: boolean; remainingTokens: number; spentCost: number; resetTime: string }

  async function statuses(name: string): Promise<Status[]> {
    return JSON.parse(await palisade(stack.env, ["budgets", name, "-o", "json"])) as Status[];
  }

  async function dbValue<T>(sql: string): Promise<T | undefined> {
    const client = new pg.Client({ connectionString: stack.db.url });
    await client.connect();
    try {
      return (await client.query(sql)).rows[0]?.value as T | undefined;
    } finally {
      await client.end();
    }
  }

  /** Resolves once both agents run the configuration version of the database now (budget states included). */
  async function agentsCaughtUp(): Promise<void> {
    const served = (await dbValue<string>("select max(id)::text as value from change_event")) ?? "0";
    for (const agent of [stack.agent, other]) {
      await eventually(`agent ${agent.url} at version ${served}`, async () => {
        const metrics = await (await fetch(`${agent.url}/-/metrics`)).text();
        const version = Number(/^palisade_agent_snapshot_version (\d+)/m.exec(metrics)?.[1] ?? 0);
        return version >= Number(served) ? true : undefined;
      });
    }
  }

  function client(agent: Agent, token: string): OpenAI {
    return new OpenAI({ baseURL: `${agent.url}/standin/v1`, apiKey: token, maxRetries: 0 });
  }

  /** One chat through the openai client, plain or streamed; the usage the provider reported. */
  async function chat(openai: OpenAI, stream: boolean, extra: { max_tokens?: number } = {}): Promise<number> {
    const messages = [{ role: "user" as const, content: "one two three four five six seven eight nine ten" }];
    if (!stream) return (await openai.chat.completions.create({ model: "stand-in", messages, ...extra })).usage!.total_tokens;
    let total = 0;
    for await (const chunk of await openai.chat.completions.create({ model: "stand-in", messages, stream: true, stream_options: { include_usage: true }, ...extra })) {
      if (chunk.usage) total = chunk.usage.total_tokens;
    }
    return total;
  }

  it("spends a token budget exactly from plain and streamed replies, then 429 on every agent until the period ends", { timeout: 120_000 }, async () => {
    const openai = client(stack.agent, stack.callerToken);
    let used = 0;
    let largest = 0;
    for (let i = 0; ; i++) {
      expect(i).toBeLessThan(20);
      const tokens = await chat(openai, i % 2 === 1);
      used += tokens;
      largest = Math.max(largest, tokens);
      // Counted exactly from the recorded exchanges, streamed ones included.
      await eventually(`${used} tokens counted`, async () => ((await statuses("daily-tokens"))[0]?.spentTokens === used ? true : undefined));
      if (used >= N) break;
    }
    expect(used - N).toBeLessThan(largest); // within one request of N
    // The evaluator stores the spent state, and every agent receives it.
    await eventually("the spent state stored", async () => ((await dbValue<boolean>("select spent as value from budget_state where budget = 'daily-tokens'")) === true ? true : undefined));
    await agentsCaughtUp();

    const table = await palisade(stack.env, ["budgets"]);
    expect(table).toMatch(new RegExp(`^daily-tokens\\s+subject spender@example.com\\s+${used} / ${N}\\s+0\\s+0\\s+\\S+ \\s*\\d+%\\s+SPENT\\s+\\S+Z$`, "m"));
    const [status] = await statuses("daily-tokens");
    expect(status).toMatchObject({ scope: "spender@example.com", spent: true, remainingTokens: 0 });
    const reset = periodAt("day", "Europe/Paris", clock()).end;
    expect(status!.resetTime).toBe(reset.toISOString());
    expect(status!.spentCost).toBeGreaterThan(0);
    for (const agent of [stack.agent, other]) {
      const refused = await chat(client(agent, stack.callerToken), false).catch((error: unknown) => error);
      expect(refused).toBeInstanceOf(OpenAI.RateLimitError);
      expect((refused as InstanceType<typeof OpenAI.RateLimitError>).message).toContain(`budget daily-tokens for subject spender@example.com is spent (${used} of ${N} tokens this day (Europe/Paris)); it resets at ${reset.toISOString()}`);
      const raw = await fetch(`${agent.url}/standin/v1/chat/completions`, {
        method: "POST", headers: { authorization: `Bearer ${stack.callerToken}`, "content-type": "application/json" },
        body: JSON.stringify({ model: "stand-in", messages: [{ role: "user", content: "hi" }] }),
      });
      expect(raw.status).toBe(429);
      expect(Number(raw.headers.get("retry-after"))).toBeGreaterThan(0);
      await raw.body?.cancel();
    }
    // Thresholds (80 and 100 %) raised alerts, once each.
    const alerts = JSON.parse(await palisade(stack.env, ["alerts", "-o", "json"])) as { rule: string; summary: string }[];
    expect(alerts.filter((alert) => alert.rule === "budget:daily-tokens").map((alert) => /threshold (\d+) %/.exec(alert.summary)?.[1]).sort()).toEqual(["100", "80"]);
    // Usage shows the cost beside the tokens, by the price table: 1000 per million in, 2000 out.
    const usage = JSON.parse(await palisade(stack.env, ["usage", "--by", "model", "--subject", "spender@example.com", "-o", "json"])) as {
      rows: { model: string; promptTokens: number; completionTokens: number; totalTokens: number; cost: number; unpricedTokens: number }[];
    };
    const [row] = usage.rows;
    expect(row).toMatchObject({ model: "stand-in", totalTokens: used, unpricedTokens: 0 });
    expect(row!.cost).toBeCloseTo((row!.promptTokens * 1000 + row!.completionTokens * 2000) / 1e6, 6);
    const metrics = await (await fetch(`${stack.controlPlane.url}/metrics`)).text();
    expect(metrics).toMatch(/palisade_control_plane_budget_scopes\{budget="daily-tokens",state="spent"\} 1/);

    // The period ends: the control plane's clock moves to the boundary; the caller is served again.
    offsetMs = reset.getTime() - Date.now();
    await eventually("the state withdrawn", async () => ((await dbValue<string>("select count(*)::text as value from budget_state where budget = 'daily-tokens'")) === "0" ? true : undefined));
    await agentsCaughtUp();
    expect(await chat(client(other, stack.callerToken), true)).toBeGreaterThan(0);
    expect(await statuses("daily-tokens")).toEqual([]); // nothing recorded in the new period (the clock is ahead of the exchanges)
  });

  it("refuses up front a request whose prompt and max_tokens are more than the budget has left", { timeout: 60_000 }, async () => {
    const token = (await palisade(stack.env, ["token", "create", "--subject", "careful@example.com"])).trim();
    const openai = client(stack.agent, token);
    const first = await chat(openai, false); // 22 of 40 tokens: past half, so agents are told what is left
    await eventually("the state stored", async () => ((await dbValue<string>("select remaining_tokens::text as value from budget_state where budget = 'careful'")) === String(40 - first) ? true : undefined));
    await agentsCaughtUp();
    const refused = await chat(openai, false, { max_tokens: 40 - first + 1 }).catch((error: unknown) => error);
    expect(refused).toBeInstanceOf(OpenAI.RateLimitError);
    expect((refused as Error).message).toContain(`has ${40 - first} tokens left`);
    // Its prompt is billed too: 48 bytes, 12 tokens at four bytes a token.
    const prompt = 12;
    const long = await chat(openai, false, { max_tokens: 40 - first - prompt + 1 }).catch((error: unknown) => error);
    expect(long).toBeInstanceOf(OpenAI.RateLimitError);
    expect((long as Error).message).toContain(`its prompt (about ${prompt} tokens) and max_tokens (${40 - first - prompt + 1})`);
    expect(await chat(openai, false, { max_tokens: 40 - first - prompt })).toBeGreaterThan(0);
  });

  it("spends a budget with streams the openai client leaves before their usage chunk: each charged its estimate, shown as estimated", { timeout: 60_000 }, async () => {
    const token = (await palisade(stack.env, ["token", "create", "--subject", "leaver@example.com"])).trim();
    const openai = client(stack.agent, token);
    const leave = async () => {
      // The stand-in sends the first word, then stalls: the client reads it and leaves.
      const stream = await openai.chat.completions.create(
        { model: "stand-in", messages: [{ role: "user", content: "x".repeat(400) }], stream: true, max_tokens: 300 },
        { headers: { "x-stand-in-fault": "stall-mid-stream" } },
      );
      for await (const chunk of stream) if (chunk.choices[0]?.delta.content) break;
    };
    // Each: 100 prompt tokens (400 bytes) and its max_tokens, 300; the provider reported nothing.
    // (After the first, 300 are left: the second's max_tokens still fits, so it is not refused up front.)
    for (const spent of [400, 800]) {
      await leave();
      await eventually(`${spent} tokens counted`, async () => ((await statuses("leavers"))[0]?.spentTokens === spent ? true : undefined));
    }
    const [status] = JSON.parse(await palisade(stack.env, ["budgets", "leavers", "-o", "json"])) as (Status & { estimatedTokens: number })[];
    expect(status).toMatchObject({ spentTokens: 800, estimatedTokens: 800, spent: true });
    expect(await palisade(stack.env, ["budgets", "leavers"])).toMatch(/^leavers\s+subject leaver@example.com\s+800 \/ 700\s+800\s+0\s/m);
    await eventually("the spent state stored", async () => ((await dbValue<boolean>("select spent as value from budget_state where budget = 'leavers'")) === true ? true : undefined));
    await agentsCaughtUp();
    await expect(leave()).rejects.toBeInstanceOf(OpenAI.RateLimitError);
    const usage = JSON.parse(await palisade(stack.env, ["usage", "--subject", "leaver@example.com", "-o", "json"])) as { total: { estimated: number; estimatedTokens: number; withoutUsage: number } };
    expect(usage.total).toMatchObject({ estimated: 2, estimatedTokens: 800, withoutUsage: 0 });
  });

  it("prints budgets and prices back as files that apply unchanged, and refuses what cannot hold", { timeout: 60_000 }, async () => {
    const yaml = await palisade(stack.env, ["get", "budgets", "-o", "yaml"]);
    expect(yaml).toContain("timeZone: Europe/Paris");
    expect(yaml).toContain("thresholds:");
    for (const kind of ["budgets", "modelprices"]) {
      // One document per item (JSON is YAML), output-only times included: accepted and ignored.
      const documents = (JSON.parse(await palisade(stack.env, ["get", kind, "-o", "json"])) as object[]).map((item) => JSON.stringify(item)).join("\n---\n");
      expect(await palisade(stack.env, ["apply", "-f", "-"], documents)).toMatch(/unchanged/);
    }
    const { runPalisade } = await import("../cli/test-context.js");
    const zone = await runPalisade(["apply", "-f", "-"], stack.env, "kind: Budget\nname: bad\nper: subject\nperiod: day\ntimeZone: Mars/Olympus\ntokens: 5\n");
    expect(zone.code).not.toBe(0);
    expect(zone.stderr).toMatch(/timeZone "Mars\/Olympus" is not an IANA time zone/);
    const twice = await runPalisade(["apply", "-f", "-"], stack.env, "kind: ModelPrice\nname: again\nmodel: stand-in*\ninputPerMillion: 1\noutputPerMillion: 1\n");
    expect(twice.stderr).toMatch(/model "stand-in\*" already has price "stand-in"/);
  });
});
