// Record modes end to end: the same request (an email in the prompt, masked both ways) recorded as
// `raw` (as the caller sent and got it), `masked` (as forwarded, placeholders kept) and `none` (no
// bodies; findings, usage and metadata still there), read back with `palisade audit show`.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Stack } from "../support/stack.js";
import { MODELS, openai, recorded, shown, startMaskingStack } from "./masking-stack.js";

const EMAIL = "carol@example.net";

let stack: Stack;
beforeAll(async () => {
  stack = await startMaskingStack("record-modes");
}, 60_000);
afterAll(() => stack?.close());

async function ask(model: string): Promise<string> {
  const { response } = await openai(stack).chat.completions
    .create({ model, messages: [{ role: "user", content: `Forward this to ${EMAIL}` }] })
    .withResponse();
  expect(stack.provider.requests.at(-1)?.body).not.toContain(EMAIL);
  return response.headers.get("x-palisade-session")!;
}

describe("record modes", () => {
  it("raw keeps the bodies as the caller sent and got them", async () => {
    const record = await recorded(stack, await ask(MODELS.recordRaw));
    expect(record).toMatchObject({ recorded: "raw", masking: { policies: ["record-raw"] } });
    expect(record.request.body).toContain(EMAIL);
    expect(record.response.body).toContain("Forward this to [EMAIL]"); // what the caller got
    expect(record.response.verdict).toBe("masked");
  });

  it("masked keeps the request as forwarded and the response as masked", async () => {
    const record = await recorded(stack, await ask(MODELS.recordMasked));
    expect(record).toMatchObject({ recorded: "masked", masking: { policies: ["record-masked"] } });
    expect(record.request.body).not.toContain(EMAIL);
    expect(record.request.body).toContain("Forward this to [EMAIL]");
  });

  it("none keeps no bodies, but findings, usage and the verdict", async () => {
    const session = await ask(MODELS.recordNone);
    const record = await recorded(stack, session);
    expect(record).toMatchObject({
      recorded: "none", masking: { policies: ["record-none"], findings: [{ detector: "email", count: 1 }] },
    });
    expect(record.request.body).toBe("");
    expect(record.response.body).toBe("");
    expect(record.usage).not.toBeNull();
    expect(record.response.verdict).toBe("masked");
    const text = await shown(stack, session);
    expect(text).toContain("Request body:\n(not recorded: record none)");
    expect(text).not.toContain(EMAIL);
  });
});
