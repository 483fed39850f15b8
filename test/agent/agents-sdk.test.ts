// The OpenAI Agents SDK's Runner (Responses API, plain and streamed) through a real agent.
import { Agent, OpenAIResponsesModel, Runner, setTracingDisabled } from "@openai/agents";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { standInReply } from "../support/stand-in-provider.js";
import { eventually } from "../support/eventually.js";
import { startTestBed, type TestBed } from "./test-bed.js";

let bed: TestBed;
beforeAll(async () => {
  setTracingDisabled(true); // tracing would export to OpenAI's servers
  bed = await startTestBed();
});
afterAll(() => bed?.close());

describe("@openai/agents Runner through the agent", () => {
  it("runs an agent plainly and streamed, and each model call is recorded with the caller", async () => {
    const model = new OpenAIResponsesModel(await bed.openai(), "gpt-test");
    const assistant = new Agent({ name: "assistant", instructions: "Be brief.", model });
    const runner = new Runner();

    const result = await runner.run(assistant, "hello agents");
    expect(result.finalOutput).toBe(standInReply("hello agents"));

    const streamed = await runner.run(assistant, "hello streamed", { stream: true });
    let text = "";
    for await (const piece of streamed.toTextStream()) text += piece;
    await streamed.completed;
    expect(text).toBe(standInReply("hello streamed"));

    const exchanges = await eventually("both Responses exchanges", () => {
      const found = [...bed.controlPlane.exchanges.values()].filter((e) => e.path === "/v1/responses");
      return found.length === 2 && found;
    });
    expect(exchanges.map((e) => [e.stream, e.identity?.subject, e.responseBody])).toEqual([
      [false, "alice", expect.stringContaining(standInReply("hello agents"))],
      [true, "alice", standInReply("hello streamed")],
    ]);
  });
});
