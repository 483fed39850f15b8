// A stack with a review policy (prompts mentioning "credit card" need approval by group finance),
// a local webhook receiver, role bindings for approvers, and helpers to drive reviews by the CLI.
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import OpenAI from "openai";
import { runPalisade } from "../cli/test-context.js";
import { eventually } from "../support/eventually.js";
import { palisade, type Stack, startStack, type StackOptions } from "../support/stack.js";

/** What the webhook receiver got. */
export interface WebhookCall {
  headers: Record<string, string | string[] | undefined>;
  body: { type: string; review: { id: string; requester: { subject: string }; promptExcerpt: string; policy: string; agentInstance?: string }; decide: { approve: string } };
}

export interface ReviewBed {
  stack: Stack;
  webhook: WebhookCall[];
  /** The caller's subject (it also holds the admin role, to prove it still cannot decide its own reviews). */
  subject: string;
  client(): OpenAI;
  /** A chat completion with `prompt`; resolves with the status (200) or the error's status and message. */
  ask(prompt: string): Promise<{ status: number; message: string }>;
  /** The id of the pending review whose prompt contains `marker`, once there is one. */
  pendingReview(marker: string): Promise<string>;
  /** Runs `palisade review ARGS` as the stack's admin token (or `token`); resolves with the run. */
  review(args: string[], token?: string): Promise<{ code: number; stdout: string; stderr: string }>;
  /** A caller token of the control plane's issuer for `subject` in `groups`. */
  token(subject: string, groups: string[]): Promise<string>;
  close(): Promise<void>;
}

/** Starts the bed; `wait` is the policy's hold time. */
export async function startReviewBed(options: StackOptions & { wait?: string }): Promise<ReviewBed> {
  const webhook: WebhookCall[] = [];
  const receiver: Server = createServer((req, res) => {
    let text = "";
    req.on("data", (chunk: Buffer) => (text += chunk.toString("utf8")));
    req.on("end", () => {
      webhook.push({ headers: req.headers, body: JSON.parse(text) as WebhookCall["body"] });
      res.writeHead(204).end();
    });
  });
  await new Promise<void>((resolve) => receiver.listen(0, "127.0.0.1", resolve));
  const hook = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/hook`;
  const stack = await startStack(options);
  const subject = options.subject ?? `${options.agentName}@example.com`;
  await palisade(stack.env, ["apply", "-f", "-"], `kind: Policy
name: card-review
priority: 100
connections: ["*"]
match: { keywords: ["credit card"] }
action: review
approvers: [finance]
wait: ${options.wait ?? "2s"}
grant: 10m
webhook: ${hook}
---
kind: Policy
name: mask-emails
priority: 200
connections: ["*"]
action: mask
detectors: [email]
direction: request
---
kind: RoleBinding
name: approvers
role: approver
groups: [approvers]
---
kind: RoleBinding
name: requester-is-admin
role: admin
subjects: [${subject}]
`);
  await agentCaughtUp(stack);
  const client = () => new OpenAI({ baseURL: stack.baseURL, apiKey: stack.callerToken, maxRetries: 0, timeout: 30_000 });
  const bed: ReviewBed = {
    stack,
    webhook,
    subject,
    client,
    async ask(prompt) {
      try {
        await client().chat.completions.create({ model: "gpt-test", messages: [{ role: "user", content: prompt }] });
        return { status: 200, message: "" };
      } catch (error) {
        if (error instanceof OpenAI.APIError) return { status: error.status ?? 0, message: error.message };
        throw error;
      }
    },
    async pendingReview(marker) {
      return eventually(`a pending review of ${marker}`, async () => {
        const run = await bed.review(["list", "--state", "pending", "-o", "json"]);
        return (JSON.parse(run.stdout) as Array<{ id: string; prompt: string }>).find((review) => review.prompt.includes(marker))?.id;
      });
    },
    review: (args, token) => runPalisade(["review", ...args], { ...stack.env, ...(token ? { PALISADE_TOKEN: token } : {}) }),
    async token(tokenSubject, groups) {
      return (await palisade(stack.env, ["token", "create", "--subject", tokenSubject, "--groups", groups.join(",")])).trim();
    },
    async close() {
      await stack.close();
      await new Promise<void>((resolve) => receiver.close(() => resolve()));
    },
  };
  return bed;
}

/** Waits until the agent runs the control plane's configuration version (the same for a second). */
export async function agentCaughtUp(stack: Stack): Promise<void> {
  const version = async (url: string) => Number(((await (await fetch(url)).json()) as { version?: string }).version);
  let sameSince: number | undefined;
  await eventually("the agent to apply the review policy", async () => {
    const [controlPlane, agent] = [await version(`${stack.controlPlane.url}/readyz`), await version(`${stack.agent.url}/-/readyz`)];
    if (agent < controlPlane) sameSince = undefined;
    else sameSince ??= Date.now();
    return sameSince !== undefined && Date.now() - sameSince >= 1_000 ? true : undefined;
  });
}
