// Deleting an agent revokes it everywhere: its stream ends, and it stops serving (503) instead of
// going on with the connections' credentials on configuration the control plane no longer gives it.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
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
