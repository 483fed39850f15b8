// A string of base64's letters and spaces, 256 characters or more, reads as a base64 payload once
// its blanks are taken out — and so does a long message of plain words without punctuation. Such a
// string is still named a binary part (policies that refuse binary parts refuse it), and its own
// characters are read as text too: with a policy that lets binary parts pass, a denied word or a
// value in it was neither found nor masked.
import { describe, expect, it } from "vitest";
import { compileDetectors } from "../../core/detectors/compile-detectors.js";
import { createMaskSession } from "../masking/mask-session.js";
import { keywordMatcher } from "../policy/content-match.js";
import { openai } from "../providers/openai.js";
import { canonicalBody } from "./canonical-body.js";
import { contentView } from "./content-view.js";
import { maskedRequest } from "./mask-canonical.js";
import { inspectRequest } from "./request-inspection.js";

const route = { connection: "openai", rest: "/v1/chat/completions", search: "" };
const headers = { "content-type": "application/json" };
const filler = "please read the following notes carefully and answer in full sentences ".repeat(5);
const rules = [{ policy: "mask", detectors: compileDetectors({ builtins: ["email", "payment-card", "secrets"], patterns: [], words: [] }), direction: "request" as const, style: "redact" as const, restore: false }];

async function inspect(content: string) {
  const decoded = await canonicalBody(Buffer.from(JSON.stringify({ model: "gpt-4o", messages: [{ role: "user", content }] })), headers, route.rest, openai.requestBodies, 1 << 20);
  if (!decoded.ok) throw new Error("not decoded");
  const inspection = inspectRequest(decoded.body, route, headers, "authorization");
  const masked = maskedRequest(decoded.body, route, () => inspection, createMaskSession("openai", route.rest, rules));
  return { inspection, forwarded: masked.ok ? masked.upstream.bytes.toString() : "" };
}

describe("plain words that read as a base64 payload", () => {
  it("are named a binary part and read as text too", async () => {
    const { inspection } = await inspect(`${filler} project nightingale is the topic`);
    expect(inspection.binary).toHaveLength(1);
    expect(keywordMatcher(["project nightingale"])!.test(contentView(inspection))).toBe(true);
  });

  it("have their values masked", async () => {
    for (const value of ["4111 1111 1111 1111", "AKIAABCDEFGHIJKLMNOP"]) {
      const { forwarded } = await inspect(`${filler} the value is ${value} thanks`);
      expect(forwarded).not.toContain(value);
    }
  });

  it("leave a real payload without blanks unread as text", async () => {
    const payload = Buffer.from(Array.from({ length: 300 }, (_, index) => (index * 97) % 256)).toString("base64");
    const { inspection } = await inspect(payload);
    expect(inspection.binary).toHaveLength(1);
    expect(inspection.slots.some((slot) => slot.text === payload)).toBe(false);
  });
});
