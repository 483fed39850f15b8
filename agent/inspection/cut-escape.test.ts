import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { keywordMatcher } from "../policy/content-match.js";
import { openai } from "../providers/openai.js";
import { canonicalBody } from "./canonical-body.js";
import { contentView } from "./content-view.js";
import { inspectRequest } from "./request-inspection.js";

const route = { connection: "c", rest: "/v1/chat/completions", search: "" };
const deny = keywordMatcher(["project nightingale"])!;

async function found(content: unknown, extra: Record<string, unknown> = {}) {
  const body = Buffer.from(JSON.stringify({ model: "m", messages: [{ role: "user", content }], ...extra }));
  const decoded = await canonicalBody(body, { "content-type": "application/json" }, route.rest, openai.requestBodies, 1 << 20);
  if (!decoded.ok) throw new Error("not decoded");
  return deny.test(contentView(inspectRequest(decoded.body, route, {}, "authorization")));
}
const parts = (...texts: string[]) => texts.map((text) => ({ type: "text", text }));

// An escape one text leaves cut and the next completes (the parts are read as one text) spells
// the keyword as the escape inside one text does: found either way, as patterns find it.
describe("a keyword spelled by an escape cut over a boundary", () => {
  it.each([
    ["a JSON escape", "project \\u00", "6eightingale"],
    ["a JSON escape cut after the backslash", "project \\", "u006eightingale"],
    ["a percent escape", "project %6", "eightingale"],
    ["a character reference", "project &#11", "0;ightingale"],
    ["a named reference", "project&nbs", "p;nightingale"],
  ])("%s", async (_, left, right) => {
    expect(await found(`${left}${right}`)).toBe(true);
    expect(await found(parts(left, right))).toBe(true);
    expect(await found(parts("intro", left, right, "outro"))).toBe(true);
  });

  it("over three texts, and over two messages", async () => {
    expect(await found(parts("project \\u0", "0", "6eightingale"))).toBe(true);
    const body = { messages: [{ role: "user", content: "project %6" }, { role: "user", content: "eightingale" }] };
    expect(await found("x", body)).toBe(true);
  });

  it("finds nothing an escape does not spell", async () => {
    expect(await found(parts("project \\u00", "41ightingale"))).toBe(false);
    expect(await found(parts("project %", "nightingale"))).toBe(true); // the joined run reads it already
    expect(await found(parts("night \\u00", "6e"))).toBe(false);
  });

  it("does not read the piece of a word its window cuts as a word of its own", async () => {
    // The window around the cut escape starts 256 characters before it, inside "zzheartbeat".
    const left = `zzheartbeat${" ".repeat(245)}&#`;
    const body = Buffer.from(JSON.stringify({ model: "m", messages: [{ role: "user", content: parts(left, "120;") }] }));
    const decoded = await canonicalBody(body, { "content-type": "application/json" }, route.rest, openai.requestBodies, 1 << 20);
    if (!decoded.ok) throw new Error("not decoded");
    const view = contentView(inspectRequest(decoded.body, route, {}, "authorization"));
    expect(keywordMatcher(["heartbeat"], "prefix")!.test(view)).toBe(false);
    expect(keywordMatcher(["zzheartbeat"], "word")!.test(view)).toBe(true);
  });

  it("finds the keyword with some letters escaped, the text cut anywhere into parts (property)", async () => {
    const escapes = [(c: string) => `\\u00${c.charCodeAt(0).toString(16)}`, (c: string) => `%${c.charCodeAt(0).toString(16)}`, (c: string) => `&#${c.charCodeAt(0)};`, (c: string) => `&#x${c.charCodeAt(0).toString(16)};`];
    const spelled = fc.array(fc.tuple(fc.boolean(), fc.integer({ min: 0, max: escapes.length - 1 })), { minLength: 19, maxLength: 19 }).map((choices) =>
      [..."project nightingale"].map((c, at) => (c !== " " && choices[at]![0] ? escapes[choices[at]![1]]!(c) : c)).join(""),
    );
    const text = fc.tuple(fc.constantFrom("", "say ", "about: ", "é "), spelled, fc.constantFrom("", " now", "!", " ü"));
    await fc.assert(
      fc.asyncProperty(text, fc.uniqueArray(fc.integer({ min: 1, max: 120 }), { maxLength: 3 }), async ([before, keyword, after], at) => {
        const whole = before + keyword + after;
        const cuts = at.filter((cut) => cut < whole.length).sort((a, b) => a - b);
        const texts = [0, ...cuts].map((from, index) => whole.slice(from, [...cuts, whole.length][index]));
        expect(await found(parts(...texts)), JSON.stringify(texts)).toBe(true);
      }),
      { numRuns: 300 },
    );
  });
});

describe("a keyword cut by markup a renderer hides", () => {
  it.each([
    ["a tag", "project <b>night</b>ingale"],
    ["a comment", "project night<!-- x -->ingale"],
    ["a tag with attributes", 'project <span class="x">nigh</span>tingale'],
  ])("%s", async (_, text) => {
    expect(await found(text)).toBe(true);
    expect(await found(parts("intro", text))).toBe(true);
  });

  it("finds nothing markup does not hide", async () => {
    expect(await found("project <b>night</b>x ingale")).toBe(false);
    expect(await found("project <b>nigh</b> <i>t</i>x ingale")).toBe(false);
  });
});
