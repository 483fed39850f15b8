// The content index against the content matchers it replaced on the request path: every policy's
// answer from one scan of the prompt (content-index.ts) equals the previous per-policy matcher's
// (copied below as it was), over generated keyword sets, patterns and prompts — overlapping
// keywords and prefixes, case and look-alike folding, Unicode beyond the BMP, literal keywords,
// digits running on, boundaries between content parts (the joined runs), patterns whose meaning
// hangs on their groups — whatever subset of the policies a request walks, in order.
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { detectorText } from "../../core/text/normalise.js";
import { foldWords } from "../../core/text/word-view.js";
import { canonicalBody } from "../inspection/canonical-body.js";
import { contentView } from "../inspection/content-view.js";
import { inspectRequest } from "../inspection/request-inspection.js";
import { openai } from "../providers/openai.js";
import { ContentIndex } from "./content-index.js";
import { NeedleSet } from "./needle-set.js";
import { compileContentMatch, lowerSpaced, promptView, type PromptView } from "./content-match.js";
import { compileKeyword, type CompiledKeyword, KEYWORD_MODES, type KeywordMode, occurs, skeletonOf } from "./keyword-match.js";

// ---- The previous matcher (content-match.ts before the index), copied as the reference. ----
interface Matcher {
  test(prompt: PromptView): boolean;
}
const wordBefore = /[\p{L}\p{M}\p{N}_]$/u;
const wordAfter = /^[\p{L}\p{M}\p{N}_]/u;
function occursLiterally(haystack: string, needle: string): boolean {
  // The one line added to the copy: with an empty needle the loop never ended where every position
  // touches a word (and answered true elsewhere); true is its answer wherever it ended.
  if (needle === "") return true;
  for (let at = haystack.indexOf(needle); at >= 0; at = haystack.indexOf(needle, at + 1)) {
    const end = at + needle.length;
    if (!wordBefore.test(haystack.slice(Math.max(0, at - 2), at)) && !wordAfter.test(haystack.slice(end, end + 2))) return true;
  }
  return false;
}
const wordKeyword = /^[\p{L}\p{M}\p{N}\s_-]+$/u;
function referenceKeywords(keywords: readonly string[], mode: KeywordMode): Matcher | undefined {
  const trimmed = keywords.map((keyword) => keyword.trim()).filter((keyword) => keyword !== "");
  const compiled = new Map<string, CompiledKeyword>();
  for (const keyword of trimmed.filter((keyword) => wordKeyword.test(keyword))) {
    const found = compileKeyword(keyword, foldWords(keyword), mode);
    if (found) compiled.set(`${found.mode} ${found.needle}`, found);
  }
  const words = [...compiled.values()];
  const literals = [...new Set(trimmed.filter((keyword) => !wordKeyword.test(keyword)).map((keyword) => lowerSpaced(detectorText(keyword))))];
  if (words.length === 0 && literals.length === 0) return undefined;
  const reach = 2 * Math.max(0, ...words.map((keyword) => keyword.needle.length)) + 1;
  return {
    test: (prompt) =>
      (words.length > 0 && prompt.skeletons.some((haystack) => words.some((keyword) => occurs(haystack, keyword)))) ||
      (words.length > 0 && prompt.joined !== undefined && prompt.joined(reach).some((run) => words.some((keyword) => occurs(run, keyword)))) ||
      (literals.length > 0 && prompt.lower.some((haystack) => literals.some((needle) => occursLiterally(haystack, needle)))),
  };
}
function referenceMatch(keywords: readonly string[], patterns: readonly string[], mode: KeywordMode): Matcher | undefined {
  const matchers: Matcher[] = [];
  const keywordRules = referenceKeywords(keywords, mode);
  if (keywordRules) matchers.push(keywordRules);
  for (const pattern of patterns) {
    const expression = new RegExp(pattern);
    matchers.push({ test: (prompt) => prompt.texts.some((text) => expression.test(text)) });
  }
  if (matchers.length === 0) return undefined;
  return matchers.length === 1 ? matchers[0] : { test: (text) => matchers.some((matcher) => matcher.test(text)) };
}
// ---- end of the reference ----

// Pieces that overlap and prefix each other, fold into each other (case, look-alikes, accents,
// full-width, digits for letters), lie beyond the BMP, carry punctuation (literal keywords) or
// are invisible (a keyword of them alone is an empty literal, found wherever no word touches).
const pieces = [
  "ab", "abc", "bc", "abcab", "a", "b", "c", "c1", "cl", "1", "7", "77", "x", "night", "ingale", "nightingale",
  "é", "É", "e", "ß", "ss", "ı", "İ", "i", "l", "а", "ｂ", "σ", "ς", "Σ", "𝐚", "😀", "ﬁ", "fi", "ǆ", "rn", "m", "0", "o",
  "c++", "$x", "a.b", "(c)", "k<x>", "a|b", "?", "\u200b", "\u00ad",
];
const separators = [" ", "", "-", "_", ".", "\u200b", "\n", " - ", "/", "%2F"];
const keyword = fc.array(fc.constantFrom(...pieces), { minLength: 1, maxLength: 3 }).chain((words) =>
  fc.array(fc.constantFrom(" ", "", "-", "_"), { minLength: words.length, maxLength: words.length }).map((gaps) => words.map((word, at) => (at > 0 ? gaps[at]! : "") + word).join("")));
// Patterns, some tried in the union and some on their own (backreferences, named groups, `\k`).
const patternPool = [
  "\\bab\\b", "abc", "(x)y", "a(b)\\1", "(?<n>ab)\\k<n>", "\\k<x>", "(?<=x)ab", "(?<!a)bc", "^ab", "c1$", "[a-c]{3}", "\\d{2}",
  "é", "a|b\\b", "[)]", "a{2", "\\u0061b", "(ab)+\\2", "(a)(b)\\2", "", "night\\s*ingale", "😀", "\\bσ", "x*",
];
const policies = fc.array(
  fc.record({
    keywords: fc.array(keyword, { maxLength: 4 }),
    patterns: fc.array(fc.constantFrom(...patternPool), { maxLength: 2 }),
    mode: fc.constantFrom(...KEYWORD_MODES),
  }),
  { minLength: 1, maxLength: 8 },
);
const text = fc.array(fc.tuple(fc.constantFrom(...pieces), fc.constantFrom(...separators), fc.boolean()), { maxLength: 14 })
  .map((words) => words.map(([word, separator, upper]) => (upper ? word.toUpperCase() : word) + separator).join(""));
const texts = fc.array(text, { minLength: 1, maxLength: 4 });

type Rules = { keywords: string[]; patterns: string[]; mode: KeywordMode }[];

// Each policy's answer through the index and through the reference, for the policies `walked` (in order).
function answers(rules: Rules, walked: readonly boolean[], indexView: PromptView, referenceView: PromptView) {
  const compiled = rules.map((rule) => ({ content: compileContentMatch("p", rule.keywords, rule.patterns, rule.mode) }));
  const scan = new ContentIndex(compiled).scan(indexView);
  const found: (boolean | undefined)[] = [];
  const expected: (boolean | undefined)[] = [];
  for (const [at, rule] of rules.entries()) {
    if (!walked[at]) continue;
    const content = compiled[at]!.content;
    found.push(content && scan.test(at, content));
    expected.push(referenceMatch(rule.keywords, rule.patterns, rule.mode)?.test(referenceView));
  }
  return { found, expected };
}

const route = { connection: "c", rest: "/v1/chat/completions", search: "" };
// The content view of a request whose one message holds `parts` as content parts (read joined too).
async function requestView(parts: string[]): Promise<PromptView> {
  const body = Buffer.from(JSON.stringify({ model: "m", messages: [{ role: "user", content: parts.map((part) => ({ type: "text", text: part })) }] }));
  const decoded = await canonicalBody(body, { "content-type": "application/json" }, route.rest, openai.requestBodies, 1 << 20);
  if (!decoded.ok) throw new Error("not decoded");
  return contentView(inspectRequest(decoded.body, route, {}, "authorization"));
}

// How often the generated cases answered yes and no (both must be common for the comparison to say much).
const tally = (counts: { yes: number; no: number }, found: (boolean | undefined)[]) => {
  for (const answer of found) {
    if (answer === true) counts.yes++;
    if (answer === false) counts.no++;
  }
};

describe("content index", () => {
  it("answers every policy walked as its own matcher did, over texts read on their own", () => {
    const counts = { yes: 0, no: 0 };
    fc.assert(fc.property(policies, texts, fc.array(fc.boolean(), { minLength: 8, maxLength: 8 }), (rules, prompt, walked) => {
      const { found, expected } = answers(rules, walked, promptView(...prompt), promptView(...prompt));
      expect(found).toEqual(expected);
      tally(counts, found);
    }), { numRuns: 300 });
    expect(counts.yes).toBeGreaterThan(100);
    expect(counts.no).toBeGreaterThan(100);
  });

  it("answers every policy walked as its own matcher did, over a request's content parts (joined runs)", async () => {
    const counts = { yes: 0, no: 0 };
    await fc.assert(fc.asyncProperty(policies, texts, fc.array(fc.boolean(), { minLength: 8, maxLength: 8 }), async (rules, parts, walked) => {
      const { found, expected } = answers(rules, walked, await requestView(parts), await requestView(parts));
      expect(found).toEqual(expected);
      tally(counts, found);
    }), { numRuns: 150 });
    expect(counts.yes).toBeGreaterThan(50);
    expect(counts.no).toBeGreaterThan(50);
  });

  it("tells the needles present in a text, overlapping or not (the empty one in every text)", () => {
    const needle = fc.array(fc.constantFrom("a", "b", "ab", "é", "😀", "+", "\\", "("), { maxLength: 3 }).map((parts) => parts.join(""));
    fc.assert(fc.property(fc.uniqueArray(needle, { minLength: 1, maxLength: 6 }), fc.array(fc.constantFrom("a", "b", "é", "😀", "+", "\\", "(", "x"), { maxLength: 12 }), (needles, text) => {
      const present = new NeedleSet(needles).present(text.join(""));
      const expected = needles.map((each) => (text.join("").includes(each) ? 1 : 0));
      expect(present ? [...present] : needles.map(() => 0)).toEqual(expected);
      if (present) expect(expected).toContain(1);
    }), { numRuns: 300 });
  });

  it("finds keywords that overlap, prefix each other or sit in each other, each where it is", () => {
    const rules: Rules = [["abcab"], ["bca"], ["cab"], ["abc"], ["b"]].map((keywords) => ({ keywords, patterns: [], mode: "substring" }));
    const { found, expected } = answers(rules, rules.map(() => true), promptView("xxabcabxx"), promptView("xxabcabxx"));
    expect(found).toEqual([true, true, true, true, true]);
    expect(found).toEqual(expected);
  });

  it("tries a pattern whose backreference counts groups on its own", () => {
    // In a union after `(x)y`, `(a)(b)\2`'s `\2` would be its own first group: `aba`, not `abb`.
    const rules: Rules = [{ keywords: [], patterns: ["(x)y"], mode: "auto" }, { keywords: [], patterns: ["(a)(b)\\2"], mode: "auto" }];
    expect(answers(rules, [true, true], promptView("abb"), promptView("abb")).found).toEqual([false, true]);
    expect(answers(rules, [true, true], promptView("aba"), promptView("aba")).found).toEqual([false, false]);
  });

  it("searches a joined run again when a longer keyword has it rebuilt wider", () => {
    // A view whose joined run holds more for a longer reach (as contentView's, rebuilt wider).
    const view = (): PromptView => ({
      texts: [], folded: [], lower: [], skeletons: [skeletonOf(foldWords("nothing here"))],
      joined: (reach) => [skeletonOf(foldWords(reach > 20 ? "far away the nightingalesongbird" : "away the"))],
    });
    const rules: Rules = [{ keywords: ["away"], patterns: [], mode: "word" }, { keywords: ["nightingale songbird"], patterns: [], mode: "substring" }];
    const { found, expected } = answers(rules, [true, true], view(), view());
    expect(found).toEqual([true, true]);
    expect(found).toEqual(expected);
  });
});
