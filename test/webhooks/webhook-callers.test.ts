// The three webhook callers go through the one client and keep their own delivery semantics: a
// review notification is retried with backoff and then given up (logged), an alert notification
// the same, and an audit sink's delivery makes one attempt per call, signed, with a 3xx or 4xx
// as a persistent failure (its worker retries: test/sinks/webhook-sink.test.ts).
import { Writable } from "node:stream";
import pino from "pino";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { createAlertNotifier } from "../../control-plane/alerts/alert-webhook.js";
import type { FiredAlert } from "../../control-plane/alerts/evaluate-rules.js";
import type { StoredReview } from "../../control-plane/reviews/review-rows.js";
import { createReviewNotifier } from "../../control-plane/reviews/review-webhook.js";
import { createWebhookTarget } from "../../control-plane/sinks/targets/webhook-target.js";
import { PersistentSinkError } from "../../control-plane/sinks/targets/sink-target.js";
import { createWebhookClient, NOTIFICATION_WEBHOOKS, type WebhookClient } from "../../control-plane/webhooks/webhook-client.js";
import { verifyWebhookSignature } from "../../control-plane/webhooks/webhook-signature.js";
import { type ScriptedReceiver, startScriptedReceiver, status } from "./scripted-receiver.js";

let receiver: ScriptedReceiver;
let client: WebhookClient;
const slept: number[] = [];
const logs: Array<Record<string, unknown>> = [];
const logger = pino({ level: "debug" }, new Writable({
  write(chunk: Buffer, _encoding, done) {
    logs.push(JSON.parse(chunk.toString("utf8")) as Record<string, unknown>);
    done();
  },
}));

beforeAll(async () => {
  receiver = await startScriptedReceiver();
  // The control plane's notification settings, with the waits recorded instead of slept.
  client = createWebhookClient({ userAgent: "palisade-control-plane", ...NOTIFICATION_WEBHOOKS, sleep: async (ms) => { slept.push(ms); }, random: () => 0.5 });
});
afterEach(() => {
  receiver.received.length = 0;
  receiver.script.length = 0;
  slept.length = 0;
  logs.length = 0;
});
afterAll(async () => {
  await client?.close();
  await receiver?.close();
});

const now = new Date("2026-11-29T19:30:00.000Z");
const review: StoredReview = {
  id: "3f0c7a4e-0000-4000-8000-000000000001", session: "s-1", policy: "needs-approval", connection: "openai",
  requester: { subject: "rita", issuer: "https://idp.example.com", email: "rita@example.com", groups: ["sales"] },
  model: "gpt-4o", contentHash: "ab", prompt: "hello", approvers: ["finance"], grantMs: 600_000, state: "pending",
  holdUntil: now, createdAt: now, expireAt: now, decidedBy: "", decidedAt: undefined, reason: "", grantExpireTime: undefined,
  agent: "edge-1", agentInstance: "edge-1/1",
};

function fired(webhook: string): FiredAlert {
  return {
    alert: {
      id: "alert-1", rule: "burst", subject: "mallory", issuer: "https://idp.example.com", dedupKey: "k", sessionIds: ["s-2"],
      summary: "too many tokens", observed: 9000, baseline: 100, model: "", firedAt: now, blocked: false,
    },
    rule: { name: "burst", condition: { type: "unusual_model", baselineSeconds: 3600 }, autoBlockSeconds: undefined, sinks: [], webhook, description: "" },
  };
}

describe("review notifications", () => {
  it("retry a failing receiver with backoff, the same delivery id each time", async () => {
    receiver.script.push(status(503), status(502));
    await createReviewNotifier({ logger, controlPlaneUrl: () => "http://cp.example", client }).notify(receiver.url(), review);
    expect(receiver.received).toHaveLength(3);
    expect(slept).toEqual([500, 1000]);
    const bodies = receiver.received.map((post) => JSON.parse(post.body.toString("utf8")) as { type: string; review: { id: string } });
    expect(bodies.map((body) => [body.type, body.review.id])).toEqual(Array(3).fill(["review.created", review.id]));
    expect(new Set(receiver.received.map((post) => post.headers["x-palisade-delivery"]))).toEqual(new Set([`review:${review.id}`]));
    expect(logs.some((line) => line.msg === "review webhook notified" && line.attempts === 3)).toBe(true);
  });

  it("give up after the last attempt and log it, never throwing", async () => {
    receiver.script.push(status(500), status(500), status(500));
    await createReviewNotifier({ logger, controlPlaneUrl: () => "http://cp.example", client }).notify(receiver.url(), review);
    expect(receiver.received).toHaveLength(3);
    expect(logs.find((line) => line.msg === "review webhook failed")).toMatchObject({ attempts: 3, err: expect.stringMatching(/answered 500/) });
  });
});

describe("alert notifications", () => {
  it("do not follow a redirect (logged as failed), and retry a transient failure", async () => {
    const notifier = createAlertNotifier({ client, logger });
    receiver.script.push(status(302, "", { location: receiver.url("/elsewhere") }));
    await notifier.notify(fired(receiver.url()));
    expect(receiver.received.map((post) => post.path)).toEqual(["/hook"]);
    expect(logs.find((line) => line.msg === "alert webhook failed")).toMatchObject({ attempts: 1, err: expect.stringMatching(/redirects are not followed/) });

    receiver.received.length = 0;
    receiver.script.push(status(429));
    await notifier.notify(fired(receiver.url()));
    expect(receiver.received.map((post) => post.headers["x-palisade-delivery"])).toEqual(["alert:alert-1", "alert:alert-1"]);
    expect(JSON.parse(receiver.received[1]!.body.toString("utf8"))).toMatchObject({ type: "palisade.alert", alert: { id: "alert-1", rule: "burst" } });
  });

  it("refuse a stored URL that breaks the webhook rules, sending nothing", async () => {
    await createAlertNotifier({ client, logger }).notify(fired("http://hooks.example.com/palisade"));
    expect(logs.find((line) => line.msg === "alert webhook failed")).toMatchObject({ err: expect.stringMatching(/must be https/) });
    expect(receiver.received).toEqual([]);
  });
});

describe("audit sink webhook target", () => {
  const events = [{ "@timestamp": now.toISOString(), palisade: { seq: 7 } }, { "@timestamp": now.toISOString(), palisade: { seq: 8 } }];

  it("signs each batch with the sink's secret and names the delivery", async () => {
    const target = createWebhookTarget({ sink: "siem", url: receiver.url(), secret: "whsec-1", batchSize: 10 });
    try {
      await target.deliver(events);
    } finally {
      await target.close();
    }
    const [got] = receiver.received;
    expect(verifyWebhookSignature("whsec-1", got!.body, got!.headers["x-palisade-signature"] as string)).toBe(true);
    expect(got!.headers).toMatchObject({ "x-palisade-delivery": "siem:7-8", "x-palisade-sink": "siem", "user-agent": "palisade-audit-sink" });
  });

  it("makes one attempt per delivery: a 3xx (not followed) and a 4xx are persistent, a 5xx transient", async () => {
    const target = createWebhookTarget({ sink: "siem", url: receiver.url(), secret: "whsec-1", batchSize: 10 });
    try {
      receiver.script.push(status(301, "", { location: receiver.url("/elsewhere") }), status(403), status(503));
      await expect(target.deliver(events)).rejects.toThrow(PersistentSinkError);
      await expect(target.deliver(events)).rejects.toThrow(PersistentSinkError);
      const transient = await target.deliver(events).then(() => undefined, (error: unknown) => error);
      expect(transient).toBeInstanceOf(Error);
      expect(transient).not.toBeInstanceOf(PersistentSinkError);
      expect(receiver.received.map((post) => post.path)).toEqual(["/hook", "/hook", "/hook"]);
    } finally {
      await target.close();
    }
  });
});
