// Keyword modes on the letters-and-digits skeleton: separators inside a keyword never matter,
// what may stand around it is the mode; the default (auto) catches inflections, compounds and
// split forms of a keyword of five letters or more, and keeps short keywords whole words.
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { compileContentMatch, promptView } from "./content-match.js";
import type { KeywordMode } from "./keyword-match.js";

const matches = (keywords: string[], text: string, mode?: KeywordMode) => compileContentMatch("k", keywords, [], mode)!.test(promptView(text));

describe("keywords by default (auto)", () => {
  it.each([
    "nightingales", "night-ingale", "night ingale", "NIGHT_INGALE", "supernightingale", "the nightingale's song", "Nightingale.",
    "night/ingale", "night%2Fingale", "n.i.g.h.t.i.n.g.a.l.e", "nightin\u00adgale", "%ZZnightingale", "nightingale-like",
  ])("find a keyword of five letters or more in %j", (text) => {
    expect(matches(["nightingale"], `tell me about ${text} today`)).toBe(true);
  });

  it.each(["wire transferring", "wiretransfers", "wire-transfer", "Wire Transfers", "WIRE\ttransfer", "wire trans-fer"])("find a phrase in %j", (text) => {
    expect(matches(["wire transfer"], `please do a ${text} now`)).toBe(true);
  });

  it.each([
    ["heart", "the art of war"], // inside the text only across words, not at a word's start
    ["nightingale", "night shift in gale force winds"],
    ["wire transfer", "haywire transfers"], // across words and not at a word's start
  ])("do not find %j where it only spans words from inside one (%j)", (keyword, text) => {
    expect(matches([keyword], text)).toBe(false);
  });

  it.each(["class", "assume", "pass", "bass guitar", "as s"].map((text) => [text]))("keep a short keyword a whole word: not in %j", (text) => {
    expect(matches(["ass"], text)).toBe(text === "as s"); // separators inside it still do not matter
  });

  it.each(["ass", "ASS!", "a-s-s", "the ass."])("find a short keyword as a whole word: %j", (text) => {
    expect(matches(["ass"], text)).toBe(true);
  });

  it("finds the keyword however separators are put inside it", () => {
    const separators = fc.constantFrom(" ", "-", "_", ".", "/", " - ", "\n", "\t", "%2F", "\u200b", "&nbsp;", "\u0000");
    fc.assert(
      fc.property(fc.array(fc.tuple(fc.integer({ min: 1, max: 10 }), separators), { maxLength: 4 }), fc.constantFrom("", "x ", "the ", "("), (cuts, before) => {
        let text = "nightingale";
        for (const [at, separator] of cuts.sort((a, b) => b[0] - a[0])) text = text.slice(0, at) + separator + text.slice(at);
        expect(matches(["nightingale"], `${before}${text}s`)).toBe(true);
      }),
      { numRuns: 500 },
    );
  });
});

describe("explicit keyword modes", () => {
  it.each([
    ["word", "nightingale", true], ["word", "night ingale", true], ["word", "nightingales", false], ["word", "supernightingale", false],
    ["prefix", "nightingales", true], ["prefix", "night-ingales", true], ["prefix", "supernightingale", false],
    ["substring", "supernightingale", true], ["substring", "super night ingales", true],
  ] as const)("%s finds nightingale in %j: %s", (mode, text, found) => {
    expect(matches(["nightingale"], `about ${text} ok`, mode)).toBe(found);
  });

  it("substring finds a short keyword anywhere; word and prefix do not", () => {
    expect(matches(["ass"], "class", "substring")).toBe(true);
    expect(matches(["ass"], "class", "prefix")).toBe(false);
    expect(matches(["ass"], "assume", "prefix")).toBe(true);
    expect(matches(["ass"], "assume", "word")).toBe(false);
  });

  it("word ⊆ prefix ⊆ substring, and auto lies between word and substring", () => {
    const text = fc.array(fc.constantFrom("night", "in", "gale", "nightingale", "s", "super", " ", "-", "x", "ing", "ale"), { maxLength: 8 }).map((parts) => parts.join(""));
    fc.assert(
      fc.property(text, (sample) => {
        const found = (mode: KeywordMode) => matches(["nightingale"], sample, mode);
        if (found("word")) expect(found("prefix")).toBe(true);
        if (found("prefix")) expect(found("substring")).toBe(true);
        if (found("prefix")) expect(found("auto")).toBe(true);
        if (found("auto")) expect(found("substring")).toBe(true);
      }),
      { numRuns: 1000 },
    );
  });
});
