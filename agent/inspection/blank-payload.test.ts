// A string of base64's letters and spaces, 256 characters or more, reads as a base64 payload once
// its blanks are taken out — and so does a long message of plain words without punctuation. Such a
// string was named a binary part and its characters not read: refused by policies that refuse binary
// parts, and, with a policy that lets them pass, a denied word or a value in it neither found nor
// masked. Words with spaces between them are now text (unless their bytes are media).
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
  it("are read as text, no binary part", async () => {
    const { inspection } = await inspect(`${filler} project nightingale is the topic`);
    expect(inspection.binary).toHaveLength(0);
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

  it("name media written with spaces a binary part, and read its characters too", async () => {
    const png = Buffer.concat([Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]), Buffer.alloc(300, 7)]).toString("base64");
    const spaced = png.replace(/(.{40})/g, "$1 ");
    const { inspection } = await inspect(spaced);
    expect(inspection.binary).toHaveLength(1);
    expect(inspection.slots.some((slot) => slot.text === spaced)).toBe(true);
  });
});
