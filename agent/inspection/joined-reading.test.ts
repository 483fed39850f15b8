// Joined reading: which slots are read together, boundaries between two words read as nothing and
// as a space in every mix (variants for detectors, one pass for keywords), and the bound on work.
import { describe, expect, it } from "vitest";
import { foldWords } from "../../core/text/word-view.js";
import { joinedReading, softBoundary, variantOffset, variants } from "./joined-reading.js";
import { joinedWords } from "./joined-words.js";
import { compileKeyword, occurs, type KeywordMode } from "../policy/keyword-match.js";
import type { TextSlot } from "./text-slot.js";

const slot = (text: string, role?: TextSlot["role"]): TextSlot => ({ text, location: text, role });

describe("joinedReading", () => {
  it("joins values across every boundary, and pairs labels and keys with their neighbours", () => {
    // {"model":"m","messages":[{"role":"user","content":"a"},{"role":"user","content":"b"}]}
    const slots = [slot("x-header"), slot("model", "key"), slot("m", "label"), slot("role", "key"), slot("user", "label"), slot("content", "key"), slot("a", "value"), slot("content", "key"), slot("b", "value")];
    const reading = joinedReading(slots);
    expect(reading.values).toEqual([6, 8]);
    expect(reading.streams[0]).toEqual([6, 8]);
    // The model label is far from the first value (the role label between): paired with it.
    expect(reading.pairs).toContainEqual([2, 6]);
    expect(reading.pairs).toContainEqual([4, 6]);
    expect(reading.pairs).toContainEqual([5, 6]);
    expect(reading.pairs.flat()).not.toContain(0); // not in the document
  });
});

describe("softBoundary", () => {
  it("is between two words, invisible characters at the edges aside", () => {
    expect(softBoundary("the", "night")).toBe(true);
    expect(softBoundary("4111", "1111")).toBe(true);
    expect(softBoundary("4111\u200b", "\u00ad1111")).toBe(true);
    expect(softBoundary("the ", "night")).toBe(false);
    expect(softBoundary("4111-", "1111")).toBe(false);
  });
});

describe("variants", () => {
  it("gives every mix of the soft boundaries of a cluster, and maps offsets back", () => {
    const joined = ["card 4111 1111 11", "11", "1111 ok"].join("");
    const seen = [...variants(joined, [17, 19], { left: 100 })];
    expect(seen.map((variant) => variant.text)).toEqual(["card 4111 1111 11 111111 ok", "card 4111 1111 1111 1111 ok", "card 4111 1111 11 11 1111 ok"]);
    for (const variant of seen) expect(variantOffset(variant, variant.text.indexOf("ok"))).toBe(joined.indexOf("ok"));
    expect(variantOffset(seen[1]!, seen[1]!.text.indexOf(" 1111 ok") + 1)).toBe(19);
  });

  it("refuses a request split into more short pieces than it may read", () => {
    const pieces = Array.from({ length: 400 }, (_, index) => index * 3);
    expect(() => [...variants("ab ".repeat(400), pieces, { left: 4096 })]).toThrow(/too many short pieces/);
  });
});

describe("joinedWords", () => {
  const run = (texts: string[]) => joinedWords(texts.map((text) => foldWords(text, false)), texts.slice(1).map((text, at) => softBoundary(texts[at]!, text)));
  const has = (texts: string[], mode: KeywordMode = "word") => occurs(run(texts), compileKeyword("project nightingale", foldWords("project nightingale"), mode)!);

  it.each([
    [["tell me about", "project", "night", "ingale"]],
    [["project night", "ingale", "is a bird"]],
    [["about", ..."project", ..."nightingale", "now"]],
    [["proj", "ect nigh", "tingale"]],
    [["PROJECT-", "NIGHTINGALE"]],
  ])("finds the keyword as whole words in %j", (texts) => {
    expect(has(texts)).toBe(true);
  });

  it.each([
    [["the xproject", "nightingale"]],
    [["project", "nightingalex"]],
    [["project nightin", "gales"]],
  ])("does not find it as whole words in %j", (texts) => {
    expect(has(texts)).toBe(false);
  });

  it("reads a boundary as a space at a keyword's start and as nothing inside it (auto)", () => {
    expect(has(["project", "nightingalex"], "auto")).toBe(true); // from a word's start, inflected
    expect(has(["the xproject", "nightingale"], "auto")).toBe(true); // read with nothing between: inside one word, "xprojectnightingale"
    expect(has(["the xproject", "nightingale"], "prefix")).toBe(false); // not from a word's start
    expect(has(["super", "projectnightingale"], "auto")).toBe(true); // inside one word once the boundary reads as nothing
  });
});

describe("the readings' budget", () => {
  it("refuses a cluster of a million boundaries before building any of its readings", () => {
    const soft = Array.from({ length: 1_000_000 }, (_, index) => index * 2 + 1);
    const joined = "ab".repeat(1_000_000);
    const budget = { left: 4096 };
    expect(() => variants(joined, soft, budget).next()).toThrow(/too many short pieces/);
  });
});

describe("the body's members in any order", () => {
  it("reads the last text of each top-level member with the first of every other", () => {
    const slots: TextSlot[] = [
      { text: "ingale", location: "a", role: "value", group: 0 },
      { text: "claude", location: "b", role: "label", group: 1 },
      { text: "x", location: "c", role: "value", group: 2 },
      { text: "project night", location: "d", role: "value", group: 3 },
    ];
    const { pairs } = joinedReading(slots);
    expect(pairs).toContainEqual([3, 0]);
    expect(pairs).toContainEqual([0, 3]);
    expect(pairs).not.toContainEqual([0, 2]); // neighbours in the values are joined already
  });
});

describe("variants near nothing findable", () => {
  const prose = ["ok", "thanks", "yes", "sure thing"];
  const turns = Array.from({ length: 400 }, (_, index) => prose[index % prose.length]!);
  const soft = turns.slice(1).map((_, index) => turns.slice(0, index + 1).join("").length);
  const mayFind = (text: string) => /[0-9@]/.test(text);

  it("builds none for many short turns of prose (no refusal of a long chat)", () => {
    const budget = { left: 4096 };
    expect([...variants(turns.join(""), soft, budget, mayFind)]).toEqual([]);
    expect(budget.left).toBe(4096);
  });

  it("still reads every mix of the runs within reach of something findable", () => {
    const joined = `${turns.join("")}4111`;
    const budget = { left: 4096 };
    const seen = [...variants(joined, soft, budget, mayFind)];
    expect(seen.length).toBeGreaterThan(0);
    // Only the runs whose reach holds the digits, and the whole cluster read with every space.
    expect(seen.every((variant) => /4/.test(variant.text))).toBe(true);
    expect(seen.length).toBeLessThan(4096 - budget.left + 1);
    expect(4096 - budget.left).toBeLessThan(63 * 20); // of 394 runs in the cluster
  });
});
