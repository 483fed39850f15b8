// Masking end to end through a real stack with the real `openai`, `@openai/agents` and
// `@anthropic-ai/sdk` clients: an email in the prompt never reaches the provider; an email and a
// phone number in a reply streamed one character per delta never reach the client under redact,
// and come back intact under pseudonymize + restore (the provider echoes the placeholders it got);
// every masked exchange is recorded as `masked` with its findings.
import { Agent, OpenAIResponsesModel, Runner, setTracingDisabled } from "@openai/agents";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { standInReply } from "../support/stand-in-provider.js";
import type { Stack } from "../support/stack.js";
import { anthropic, MODELS, openai, recorded, shown, startMaskingStack } from "./masking-stack.js";

const EMAIL = "bob.jones@example.org";
const PHONE = "+44 20 7946 0958";
const PROMPT = `Write to ${EMAIL} or call ${PHONE} before noon.`;

let stack: Stack;
beforeAll(async () => {
  setTracingDisabled(true); // tracing would export to OpenAI's servers
  stack = await startMaskingStack("masking-e2e");
}, 60_000);
afterAll(() => stack?.close());

const lastUpstreamBody = () => stack.provider.requests.at(-1)?.body ?? "";

describe("masking through the agent", () => {
  it("keeps an email in the prompt from the provider (openai client), and records findings", async () => {
    const { data, response } = await openai(stack).chat.completions
      .create({ model: MODELS.requestRedact, messages: [{ role: "user", content: `Mail ${EMAIL} today` }] })
      .withResponse();
    expect(lastUpstreamBody()).not.toContain(EMAIL);
    expect(lastUpstreamBody()).toContain("Mail [EMAIL] today");
    expect(data.choices[0].message.content).toBe(standInReply("Mail [EMAIL] today"));

    const session = response.headers.get("x-palisade-session")!;
    const record = await recorded(stack, session);
    expect(record.response.verdict).toBe("masked");
    expect(record.recorded).toBe("masked");
    expect(record.masking).toEqual({
      policies: ["mask-request"], findings: [{ detector: "email", location: expect.stringMatching(/^request/), count: 1 }],
    });
    expect(record.request.body).not.toContain(EMAIL);
    const text = await shown(stack, session);
    expect(text).toMatch(/^Masking {5}policies mask-request; 1 email at request\S+$/m);
    expect(text).toMatch(/^Recorded {4}bodies masked$/m);
  });

  it("redacts an email and a phone number from a reply streamed one character per delta (openai client)", async () => {
    const stream = await openai(stack, "char").chat.completions.create({
      model: MODELS.replyRedact, stream: true, messages: [{ role: "user", content: PROMPT }],
    });
    let text = "";
    let deltas = 0;
    for await (const chunk of stream) {
      const piece = chunk.choices[0]?.delta?.content ?? "";
      text += piece;
      if (piece) deltas++;
    }
    expect(lastUpstreamBody()).toContain(EMAIL); // direction response: the request went as sent
    expect(text).toBe(standInReply(PROMPT).replace(EMAIL, "[EMAIL]").replace(PHONE, "[PHONE]"));
    // Still streamed in many pieces: the masker holds back only a tail that could still become a
    // match (with the email detector, about the current word), not the whole reply.
    expect(deltas).toBeGreaterThan(5);
  });

  it("pseudonymizes both ways and restores the values in a streamed reply (openai client)", async () => {
    const stream = await openai(stack, "char").chat.completions.create({
      model: MODELS.pseudonymize, stream: true, messages: [{ role: "user", content: PROMPT }],
    }).withResponse();
    let text = "";
    for await (const chunk of stream.data) text += chunk.choices[0]?.delta?.content ?? "";
    const upstream = lastUpstreamBody();
    expect(upstream).not.toContain(EMAIL);
    expect(upstream).not.toContain("7946");
    expect(upstream).toContain("<EMAIL_1>");
    expect(upstream).toContain("<PHONE_1>");
    expect(text).toBe(standInReply(PROMPT));

    const record = await recorded(stack, stream.response.headers.get("x-palisade-session")!);
    expect(record.response.verdict).toBe("masked");
    // A masked record keeps the placeholders, never the restored values.
    expect(record.response.body).toContain("<EMAIL_1>");
    expect(record.response.body).not.toContain(EMAIL);
    expect(record.usage?.completionTokens).toBeGreaterThan(0); // the usage chunk reaches the record
  });

  it("works for @openai/agents (Responses API), plain and streamed one character per delta", async () => {
    const runner = new Runner();
    const redact = new Agent({ name: "redact", instructions: "Be brief.", model: new OpenAIResponsesModel(openai(stack), MODELS.requestRedact) });
    const plain = await runner.run(redact, `Mail ${EMAIL} today`);
    expect(lastUpstreamBody()).not.toContain(EMAIL);
    expect(plain.finalOutput).toBe(standInReply("Mail [EMAIL] today"));

    const pseudo = new Agent({ name: "pseudo", instructions: "Be brief.", model: new OpenAIResponsesModel(openai(stack, "char"), MODELS.pseudonymize) });
    const streamed = await runner.run(pseudo, PROMPT, { stream: true });
    let text = "";
    for await (const piece of streamed.toTextStream()) text += piece;
    await streamed.completed;
    expect(lastUpstreamBody()).not.toContain(EMAIL);
    expect(text).toBe(standInReply(PROMPT));
    expect(streamed.finalOutput).toBe(standInReply(PROMPT));
  });

  it("redacts a reply streamed one character per delta for the Anthropic SDK", async () => {
    const stream = anthropic(stack, "char").messages.stream({
      model: MODELS.replyRedact, max_tokens: 100, messages: [{ role: "user", content: PROMPT }],
    });
    let text = "";
    stream.on("text", (piece) => { text += piece; });
    const final = await stream.finalMessage();
    expect(text).toBe(standInReply(PROMPT).replace(EMAIL, "[EMAIL]").replace(PHONE, "[PHONE]"));
    expect(final.content[0]).toMatchObject({ type: "text", text });
  });
});
