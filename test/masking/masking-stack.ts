// The masking suites' set-up: a whole stack (control plane, agent, stand-in provider) with an
// Anthropic connection `claude` next to `standin`, and mask policies selected by model name, so
// every test picks its policy without waiting for a new snapshot.
import Anthropic from "@anthropic-ai/sdk";
import OpenAI from "openai";
import { eventually } from "../support/eventually.js";
import { palisade, startStack, type Stack } from "../support/stack.js";

/** Models that select a mask policy (see POLICIES). */
export const MODELS = {
  requestRedact: "req-redact",
  replyRedact: "reply-redact",
  pseudonymize: "pseudo",
  recordRaw: "rec-raw",
  recordMasked: "rec-masked",
  recordNone: "rec-none",
} as const;

const maskPolicy = (name: string, model: string, fields: string) => `---
kind: Policy
name: ${name}
priority: 50
connections: ["*"]
when: request.model == "${model}"
action: mask
${fields}`;

function policies(providerUrl: string): string {
  return `kind: Connection
name: claude
provider: anthropic
upstream: ${providerUrl}
credential: { header: x-api-key, value: sk-ant-stand-in-upstream }
${maskPolicy("mask-request", MODELS.requestRedact, "detectors: [email]\ndirection: request\n")}
${maskPolicy("mask-reply", MODELS.replyRedact, "detectors: [email, phone]\ndirection: response\n")}
${maskPolicy("mask-pseudo", MODELS.pseudonymize, "detectors: [email, phone]\nstyle: pseudonymize\nrestore: true\n")}
${maskPolicy("record-raw", MODELS.recordRaw, "detectors: [email]\nrecord: raw\n")}
${maskPolicy("record-masked", MODELS.recordMasked, "detectors: [email]\nrecord: masked\n")}
${maskPolicy("record-none", MODELS.recordNone, "detectors: [email]\nrecord: none\n")}`;
}

/** The stack, its policies applied and in force at the agent. */
export async function startMaskingStack(agentName: string): Promise<Stack> {
  const stack = await startStack({ agentName });
  await palisade(stack.env, ["apply", "-f", "-"], policies(stack.provider.url));
  const client = openai(stack);
  await eventually("the agent to apply the mask policies", async () => {
    await client.chat.completions.create({ model: MODELS.requestRedact, messages: [{ role: "user", content: "probe a@example.com" }] });
    return stack.provider.requests.at(-1)?.body.includes("[EMAIL]") ? true : undefined;
  });
  return stack;
}

/** An `openai` client for the `standin` connection; `chunks: "char"` makes the stand-in stream one character per delta. */
export function openai(stack: Stack, chunks?: "char"): OpenAI {
  return new OpenAI({ baseURL: stack.baseURL, apiKey: stack.callerToken, maxRetries: 0, defaultHeaders: chunks ? { "x-stand-in-chunks": chunks } : {} });
}

/** An Anthropic client for the `claude` connection. */
export function anthropic(stack: Stack, chunks?: "char"): Anthropic {
  return new Anthropic({ baseURL: `${stack.agent.url}/claude`, apiKey: stack.callerToken, maxRetries: 0, defaultHeaders: chunks ? { "x-stand-in-chunks": chunks } : {} });
}

/** A recorded session as `palisade audit show ID -o json` prints it, once the control plane has it. */
// biome-ignore lint/suspicious/noExplicitAny: the printed JSON, read field by field in assertions
export async function recorded(stack: Stack, session: string): Promise<Record<string, any>> {
  return eventually(`session ${session}`, async () => {
    const { runPalisade } = await import("../cli/test-context.js");
    const run = await runPalisade(["audit", "show", session, "-o", "json"], stack.env);
    return run.code === 0 ? JSON.parse(run.stdout) : undefined;
  });
}

/** `palisade audit show ID` as people read it. */
export function shown(stack: Stack, session: string): Promise<string> {
  return palisade(stack.env, ["audit", "show", session]);
}
