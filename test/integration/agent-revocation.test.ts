// Deleting an agent, or replacing its enrolment token, revokes it everywhere: its stream ends, and it
// stops serving (503) instead of going on with the connections' credentials on configuration the
// control plane no longer gives it — a stream opened with a leaked token is cut off by a rotation.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startAgent } from "../../agent/agent.js";
import { eventually } from "../support/eventually.js";
import { modelsStatus, palisade, startStack, type Stack } from "../support/stack.js";

let stack: Stack;

beforeAll(async () => {
  stack = await startStack({ agentName: "doomed" });
});

afterAll(async () => {
  await stack?.close();
});

describe("a deleted agent", () => {
  it("drops its configuration and refuses requests", async () => {
    const status = () => modelsStatus(stack.agent.url, stack.callerToken);
    expect(await status()).toBe(200);
    await palisade(stack.env, ["delete", "agent", "doomed"]);
    await eventually("the agent to refuse", async () => ((await status()) === 503 ? true : undefined));
    const forwardedBefore = stack.provider.requests.length;
    expect(await status()).toBe(503);
    expect(stack.provider.requests.length).toBe(forwardedBefore);
  });
});

describe("an agent whose token was replaced", () => {
  it("has its stream ended: the process holding the old token drops its configuration and refuses requests", async () => {
    const token = (await palisade(stack.env, ["agent", "create", "leaked"])).trim();
    const holder = await startAgent({ listen: "127.0.0.1:0", controlPlane: stack.controlPlane.url, token });
    try {
      const status = () => modelsStatus(holder.url, stack.callerToken);
      await eventually("the old token's agent to serve", async () => ((await status()) === 200 ? true : undefined));
      await palisade(stack.env, ["agent", "create", "leaked", "--rotate"]);
      await eventually("the old token's agent to refuse", async () => ((await status()) === 503 ? true : undefined));
      expect(await status()).toBe(503);
    } finally {
      await holder.close();
    }
  });
});
