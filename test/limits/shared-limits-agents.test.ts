// Three agents, each a process of its own, share one Redis through the counter store the control
// plane names: a limit of 10 requests per minute for one subject lets exactly 10 of 30 concurrent
// requests through, whichever agents they reach; the rest get 429 in OpenAI's format.
import { afterAll, beforeAll, expect, it } from "vitest";
import { chatOnce, freePort, killAll, startAgentProcess, type Outcome } from "../faults/fault-bed.js";
import { palisade, standInResources, startControlPlaneBed, type ControlPlaneBed } from "../support/control-plane-bed.js";
import { dropPrefix, SHARED_REDIS_URL, uniquePrefix, useRedis } from "../support/redis.js";
import { startStandInProvider, type StandInProvider } from "../support/stand-in-provider.js";
import { eventually } from "../support/eventually.js";

const run = await useRedis("test/limits/shared-limits-agents.test.ts");
const keyPrefix = uniquePrefix();
let bed: ControlPlaneBed;
let provider: StandInProvider;
const agents: string[] = [];

beforeAll(async () => {
  if (!run) return;
  bed = await startControlPlaneBed({ controlPlane: { counterStore: { url: SHARED_REDIS_URL, keyPrefix } } });
  provider = await startStandInProvider();
  await palisade(bed.env, ["apply", "-f", "-"], `${standInResources(provider.url)}---
kind: Policy
name: burst-limit
priority: 100
connections: ["*"]
when: identity.subject == "burst@example.com"
limits: { requestsPerMinute: 10 }
`);
  for (const name of ["seg-a", "seg-b", "seg-c"]) {
    const token = (await palisade(bed.env, ["agent", "create", name])).trim();
    const port = await freePort();
    await startAgentProcess(port, bed.controlPlane.url, token);
    agents.push(`http://127.0.0.1:${port}/standin/v1`);
  }
}, 180_000);

afterAll(async () => {
  await killAll();
  await provider?.close();
  await bed?.close();
  if (run) await dropPrefix(keyPrefix);
});

it.runIf(run)("counts one subject's limit once across three agent processes under concurrent load", { timeout: 120_000, tags: ["redis"] }, async () => {
  const warm = (await palisade(bed.env, ["token", "create", "--subject", "warm@example.com"])).trim();
  // Every agent has its snapshot (and so the policy) once it serves a request.
  for (const agent of agents) await eventually(`${agent} to serve`, async () => ((await chatOnce(agent, warm, "hello")).status === 200 ? true : undefined), 60_000);
  const listed = JSON.parse(await palisade(bed.env, ["get", "policy", "burst-limit", "-o", "json"])) as { limits?: { countedIn?: string } };
  expect(listed.limits?.countedIn).toBe("redis");

  const token = (await palisade(bed.env, ["token", "create", "--subject", "burst@example.com"])).trim();
  const outcomes: Outcome[] = await Promise.all(Array.from({ length: 30 }, (_, i) => chatOnce(agents[i % 3]!, token, `burst ${i}`)));
  const statuses = outcomes.map((outcome) => outcome.status);
  expect(statuses.filter((status) => status === 200)).toHaveLength(10);
  expect(statuses.filter((status) => status === 429)).toHaveLength(20);
  const refused = outcomes.find((outcome) => outcome.status === 429)!;
  expect(refused.body).toMatchObject({ error: { type: "rate_limit_error", code: "rate_limit_exceeded" } });
  expect((refused.body as { error: { message: string } }).error.message).toMatch(/limit of 10 requests per minute of Palisade policy burst-limit/);
});
