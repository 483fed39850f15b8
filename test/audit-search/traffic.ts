// Sessions for the audit-search suites, made the way users make them: a real stack, real `openai`
// clients holding tokens of different subjects and groups, policies that deny and limit.
import OpenAI from "openai";
import { palisade, startStack, type Stack, type StackOptions } from "../support/stack.js";
import { eventually } from "../support/eventually.js";
import { runPalisade } from "../cli/test-context.js";

/** Session ids by what they were made to be. */
export interface Traffic {
  /** alice (group research), plain chat completion, model gpt-4o-mini: allowed. */
  alicePlain: string;
  /** bob (group sales), streamed chat completion, model gpt-4o: allowed. */
  bobStreamed: string;
  /** alice asking for the denied model `gpt-blocked`: denied. */
  aliceDenied: string;
  /** carol's second request in a minute: limited. */
  carolLimited: string;
  /** carol's first request: allowed. */
  carolAllowed: string;
}

/** A stack with the deny and limit policies applied. */
export async function startTrafficStack(agentName: string, options: { chunkDelayMs?: number; controlPlane?: StackOptions["controlPlane"] } = {}): Promise<Stack> {
  const stack = await startStack({ agentName, provider: { chunkDelayMs: options.chunkDelayMs }, controlPlane: options.controlPlane });
  await palisade(stack.env, ["apply", "-f", "-"], `kind: Policy
name: no-blocked-model
priority: 100
connections: ["*"]
when: 'request.model == "gpt-blocked"'
action: deny
reason: gpt-blocked is not allowed
---
kind: Policy
name: carol-one-a-minute
priority: 50
connections: ["*"]
when: 'identity.subject == "carol"'
limits: { requestsPerMinute: 1 }
`);
  return stack;
}

/** A token for `subject` in `groups`. */
export async function tokenFor(stack: Stack, subject: string, groups: string[] = []): Promise<string> {
  const args = ["token", "create", "--subject", subject, ...(groups.length ? ["--groups", groups.join(",")] : [])];
  return (await palisade(stack.env, args)).trim();
}

/** An `openai` client through the stack's agent with `token`, without retries. */
export function openaiAs(stack: Stack, token: string): OpenAI {
  return new OpenAI({ baseURL: stack.baseURL, apiKey: token, maxRetries: 0 });
}

/** The session id of a refused call (the SDK throws; the header is on the error). */
async function refusedSession(call: Promise<unknown>): Promise<string> {
  try {
    await call;
  } catch (error) {
    const id = (error as { headers?: Headers }).headers?.get("x-palisade-session");
    if (id) return id;
    throw error;
  }
  throw new Error("the call was expected to be refused");
}

/** Makes the five sessions of `Traffic` (and others, of subject `prober` and the stack's own) and waits until the control plane has stored them all. */
export async function makeTraffic(stack: Stack): Promise<Traffic> {
  const alice = openaiAs(stack, await tokenFor(stack, "alice", ["research"]));
  const bob = openaiAs(stack, await tokenFor(stack, "bob", ["sales"]));
  const carol = openaiAs(stack, await tokenFor(stack, "carol"));
  // Policies apply within a second; probe (as another subject) until the deny holds.
  const prober = openaiAs(stack, await tokenFor(stack, "prober"));
  await eventually("the deny policy to apply", async () => {
    const probe = await prober.chat.completions.create({ model: "gpt-blocked", messages: [{ role: "user", content: "probe" }] }).then(() => 200, (e: { status?: number }) => e.status);
    return probe === 403 ? true : undefined;
  });
  const plain = await alice.chat.completions
    .create({ model: "gpt-4o-mini", messages: [{ role: "user", content: "quarterly pelican report" }] })
    .withResponse();
  const stream = await bob.chat.completions
    .create({ model: "gpt-4o", stream: true, messages: [{ role: "user", content: "describe the harbour" }] })
    .withResponse();
  for await (const _ of stream.data) { /* read it all, as a client does */ }
  const aliceDenied = await refusedSession(alice.chat.completions.create({ model: "gpt-blocked", messages: [{ role: "user", content: "forbidden walrus" }] }));
  const first = await carol.chat.completions.create({ model: "gpt-4o-mini", messages: [{ role: "user", content: "first otter" }] }).withResponse();
  const carolLimited = await refusedSession(carol.chat.completions.create({ model: "gpt-4o-mini", messages: [{ role: "user", content: "second otter" }] }));
  const traffic: Traffic = {
    alicePlain: plain.response.headers.get("x-palisade-session")!,
    bobStreamed: stream.response.headers.get("x-palisade-session")!,
    aliceDenied,
    carolAllowed: first.response.headers.get("x-palisade-session")!,
    carolLimited,
  };
  await eventually("every session to be stored", async () => {
    const run = await runPalisade(["audit", "list", "-o", "json", "--limit", "100"], stack.env);
    const ids = new Set((JSON.parse(run.stdout || "[]") as { id: string }[]).map((s) => s.id));
    return Object.values(traffic).every((id) => ids.has(id)) ? true : undefined;
  });
  return traffic;
}
