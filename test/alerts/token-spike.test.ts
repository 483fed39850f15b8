// The end-to-end case: a token spike driven by the real `openai` client through one agent
// fires an AlertRule with autoBlock, and the block reaches a SECOND agent, whose next request for
// that caller gets 403 in the OpenAI format naming the block. The alert-to-refusal time is measured
// and bounded generously here (5 s); bench/block-push.bench.ts reports the real figure. Then, on
// the same stack, repeated policy refusals seen by the real client fire a repeatedViolations rule.
import OpenAI from "openai";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Agent } from "../../agent/agent.js";
import { timestampMs } from "@bufbuild/protobuf/wkt";
import { eventually } from "../support/eventually.js";
import { afterFreshPass } from "../support/metrics.js";
import { modelsStatus, palisade, startStack, type Stack } from "../support/stack.js";
import { adminClients, seedBaseline, startSecondAgent, startWebhookReceiver } from "./alert-stack.js";

const SUBJECT = "spiky@example.com";
let stack: Stack;
let second: Agent;
let webhook: Awaited<ReturnType<typeof startWebhookReceiver>>;

beforeAll(async () => {
  stack = await startStack({ agentName: "first", subject: SUBJECT });
  second = await startSecondAgent(stack, "second");
  webhook = await startWebhookReceiver();
});

afterAll(async () => {
  await second?.close();
  await stack?.close();
  await webhook?.close();
});

describe("token spike with autoBlock", () => {
  it("blocks the caller on the second agent within the bound, naming the block", { timeout: 60_000 }, async () => {
    // A quiet hour before the window: 12 exchanges of 20 tokens = 4 tokens per minute.
    await seedBaseline(stack, SUBJECT, { count: 12, tokens: 20, beforeMs: Date.now() - 60_000 });
    await palisade(stack.env, ["apply", "-f", "-"], `kind: AlertRule
name: token-burst
tokenSpike: { window: 1m, baseline: 1h, factor: 5, minTokens: 500 }
autoBlock: { for: 1h }
webhook: ${webhook.url}
`);
    const first = new OpenAI({ baseURL: stack.baseURL, apiKey: stack.callerToken, maxRetries: 0 });
    const chat = (prompt: string) => first.chat.completions.create({ model: "stand-in", messages: [{ role: "user", content: prompt }] }).withResponse();

    // Ordinary use: a few short prompts (a handful of tokens each) fire nothing.
    const ordinary: string[] = [];
    for (let i = 0; i < 3; i++) ordinary.push((await chat("hello there")).response.headers.get("x-palisade-session")!);
    await eventually("the ordinary exchanges stored", async () => {
      const stored = await Promise.all(ordinary.map((id) => adminClients(stack).sessions.getSession({ id }).then(() => true, () => false)));
      return stored.every(Boolean);
    });
    await afterFreshPass(stack.controlPlane.url);
    expect(JSON.parse(await palisade(stack.env, ["alerts", "-o", "json"]))).toEqual([]);

    // The spike: the stand-in reports one prompt token per word.
    const spike = await chat(Array.from({ length: 800 }, (_, i) => `word${i}`).join(" "));
    expect(spike.data.usage?.prompt_tokens).toBe(800);
    const spikeSession = spike.response.headers.get("x-palisade-session")!;

    // The second agent never saw this caller's traffic: only the pushed block can refuse it.
    const refusedAt = await eventually("the second agent to refuse the caller", async () =>
      ((await modelsStatus(second.url, stack.callerToken)) === 403 ? Date.now() : undefined), 10_000);

    const { alerts } = await adminClients(stack).blocks.listAlerts({});
    expect(alerts).toHaveLength(1);
    const alert = alerts[0]!;
    expect(alert).toMatchObject({ rule: "token-burst", subject: SUBJECT, blocked: true });
    expect(alert.observed).toBeGreaterThanOrEqual(800);
    expect(alert.sessionIds).toContain(spikeSession);
    const alertToRefusalMs = refusedAt - timestampMs(alert.fireTime!);
    expect(alertToRefusalMs).toBeLessThan(5000);

    const client = new OpenAI({ baseURL: `${second.url}/standin/v1`, apiKey: stack.callerToken, maxRetries: 0 });
    const error = await client.chat.completions.create({ model: "stand-in", messages: [{ role: "user", content: "hi" }] }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(OpenAI.PermissionDeniedError);
    expect((error as Error).message).toMatch(/Blocked by Palisade until \d{4}-[\d-]+T[\d:.]+Z \(alert rule token-burst\): token spike: \d+ tokens in 1m/);

    const blocks = JSON.parse(await palisade(stack.env, ["blocks", "-o", "json"])) as Array<Record<string, unknown>>;
    expect(blocks).toMatchObject([{ subject: SUBJECT, rule: "token-burst", createdBy: "alert-rule:token-burst" }]);

    const posted = await eventually("the webhook to receive the alert", async () => webhook.bodies[0] as { type: string; alert: Record<string, unknown> } | undefined);
    expect(posted.type).toBe("palisade.alert");
    expect(posted.alert).toMatchObject({ id: alert.id, rule: "token-burst", subject: SUBJECT, blocked: true });
    expect(posted.alert.sessionIds).toContain(spikeSession);

    const table = await palisade(stack.env, ["alerts", "--since", "1h"]);
    expect(table).toMatch(/token-burst\s+spiky@example.com\s+yes/);
    const metrics = await (await fetch(`${stack.controlPlane.url}/metrics`)).text();
    expect(metrics).toMatch(/^palisade_control_plane_alerts_fired_total\{rule="token-burst"\} 1$/m);
  });

  it("fires repeatedViolations on the refusals a real client gets, with them as evidence", { timeout: 60_000 }, async () => {
    const token = (await palisade(stack.env, ["token", "create", "--subject", "pushy@example.com"])).trim();
    await palisade(stack.env, ["apply", "-f", "-"], `kind: Policy
name: no-secrets
priority: 100
connections: ["*"]
match: { keywords: [launch codes] }
action: deny
reason: asking for launch codes
---
kind: AlertRule
name: refusals
repeatedViolations: { count: 3, window: 5m }
`);
    // Another caller probes until the policy is in force, so that pushy's refusals are only its own.
    const prober = (await palisade(stack.env, ["token", "create", "--subject", "prober@example.com"])).trim();
    await eventually("the policy to reach the second agent", async () => {
      const response = await fetch(`${second.url}/standin/v1/chat/completions`, {
        method: "POST", headers: { authorization: `Bearer ${prober}`, "content-type": "application/json" },
        body: JSON.stringify({ model: "stand-in", messages: [{ role: "user", content: "launch codes" }] }),
      });
      await response.body?.cancel();
      return response.status === 403 ? true : undefined;
    });
    const client = new OpenAI({ baseURL: `${second.url}/standin/v1`, apiKey: token, maxRetries: 0 });
    const refusedSessions: string[] = [];
    for (let i = 0; i < 3; i++) {
      const error = await client.chat.completions.create({ model: "stand-in", messages: [{ role: "user", content: `the launch codes please (${i})` }] }).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(OpenAI.PermissionDeniedError);
      refusedSessions.push((error as InstanceType<typeof OpenAI.PermissionDeniedError>).headers!.get("x-palisade-session")!);
      if (i === 1) {
        await eventually("both refusals stored", async () => {
          const stored = await Promise.all(refusedSessions.map((id) => adminClients(stack).sessions.getSession({ id }).then(() => true, () => false)));
          return stored.every(Boolean);
        });
        await afterFreshPass(stack.controlPlane.url);
        expect((await adminClients(stack).blocks.listAlerts({ rule: "refusals", subject: "pushy@example.com" })).alerts).toEqual([]);
      }
    }
    const alert = await eventually("the refusals alert", async () => (await adminClients(stack).blocks.listAlerts({ rule: "refusals", subject: "pushy@example.com" })).alerts[0]);
    expect(alert).toMatchObject({ subject: "pushy@example.com", observed: 3, blocked: false });
    expect(new Set(alert.sessionIds)).toEqual(new Set(refusedSessions));
    // Alert only: the caller is not blocked.
    expect(await modelsStatus(second.url, token)).toBe(200);
  });
});
