// A content index's clean pairs (clean-joins.ts): pairs of short request texts whose joined reading
// held none of the index's keyword needles are left out of later requests' joined runs. Over runs
// of requests drawn from a few keys, labels and values (so pairs repeat, clean and not, one left
// text beside other right texts), one index answering request after request (learning as it goes)
// against each policy's own matcher (ContentRules.test, which reads the whole joined run as the
// previous code did): the same answer for every policy, and pairs are really left out.
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { canonicalBody } from "../inspection/canonical-body.js";
import { contentView } from "../inspection/content-view.js";
import { inspectRequest } from "../inspection/request-inspection.js";
import { openai } from "../providers/openai.js";
import { ContentIndex } from "./content-index.js";
import { compileContentMatch, type PromptView } from "./content-match.js";
import { KEYWORD_MODES } from "./keyword-match.js";

// Pieces that make keywords crossing a key and its value, a label and its neighbour ("role" +
// "user", "gpt" + "4o"), spelled with separators and case, and digits running on.
const pieces = ["role", "user", "sys", "tem", "system", "model", "gpt", "4o", "4", "mini", "type", "text", "note", "ab", "cd", "abcd", "7", "77", "é", "e", "night", "ingale"];
// Up to 8 pieces: word views longer than a window of 32 as well as shorter.
const value = fc.array(fc.tuple(fc.constantFrom(...pieces), fc.constantFrom("", " ", "-", "_")), { minLength: 1, maxLength: 8 })
  .map((words) => words.map(([word, gap]) => word + gap).join(""));
const keyword = fc.oneof(
  fc.array(fc.constantFrom(...pieces), { minLength: 1, maxLength: 3 }).map((words) => words.join(" ")),
  // Longer than a window of 32: a joined run rebuilt wider.
  fc.array(fc.constantFrom(...pieces), { minLength: 8, maxLength: 12 }).map((words) => words.join("")),
);
const policies = fc.array(fc.record({ keywords: fc.array(keyword, { minLength: 1, maxLength: 3 }), mode: fc.constantFrom(...KEYWORD_MODES) }), { minLength: 1, maxLength: 6 });
// A request: the model, a message or two, and other members (keys and values from the pools).
const request = fc.record({
  model: value,
  messages: fc.array(fc.record({ role: fc.constantFrom("user", "system"), content: fc.oneof(value, fc.array(value, { minLength: 1, maxLength: 2 }).map((parts) => parts.map((text) => ({ type: "text", text })))) }), { minLength: 1, maxLength: 2 }),
  extra: fc.dictionary(fc.constantFrom(...pieces), value, { maxKeys: 3 }),
});

const route = { connection: "c", rest: "/v1/chat/completions", search: "" };
async function viewOf(shape: { model: string; messages: unknown[]; extra: Record<string, string> }): Promise<PromptView> {
  const body = Buffer.from(JSON.stringify({ model: shape.model, messages: shape.messages, ...shape.extra }));
  const decoded = await canonicalBody(body, { "content-type": "application/json" }, route.rest, openai.requestBodies, 1 << 20);
  if (!decoded.ok) throw new Error("not decoded");
  return contentView(inspectRequest(decoded.body, route, {}, "authorization"));
}

describe("clean joins", () => {
  it("answer every policy of request after request as its own matcher does", async () => {
    const counts = { yes: 0, no: 0, skipped: 0 };
    await fc.assert(
      fc.asyncProperty(policies, fc.array(request, { minLength: 2, maxLength: 6 }), async (rules, requests) => {
        const compiled = rules.map((rule) => ({ content: compileContentMatch("p", rule.keywords, [], rule.mode) }));
        const index = new ContentIndex(compiled);
        const has = index.cleanJoins.has.bind(index.cleanJoins);
        index.cleanJoins.has = (left, right, reach) => {
          const known = has(left, right, reach);
          if (known) counts.skipped++;
          return known;
        };
        // Each request twice over (its pairs learnt the first time, left out the second), the order
        // mixed; every other time the matcher reads the index's view itself (the run without the
        // clean pairs is not the one it reads).
        for (const [turn, shape] of [...requests, ...requests.toReversed()].entries()) {
          const view = await viewOf(shape);
          const scan = index.scan(view);
          const reference = turn % 2 === 0 ? view : await viewOf(shape);
          for (const [at, { content }] of compiled.entries()) {
            if (!content) continue;
            const expected = content.test(reference);
            expect(scan.test(at, content)).toBe(expected);
            counts[expected ? "yes" : "no"]++;
          }
        }
      }),
      { numRuns: 60 },
    );
    expect(counts.yes).toBeGreaterThan(100);
    expect(counts.no).toBeGreaterThan(100);
    expect(counts.skipped).toBeGreaterThan(100);
  });

  // Cases the drawn requests rarely make: a pair clean one way round and not the other, a pair clean
  // within a short reach and not within a longer one, two indexes reading one view.
  it("keeps a pair by both texts in order and by reach, per index", async () => {
    // The model and the first role are read joined (a pair no other view reads together): "ab" then
    // "user" holds no keyword, "user" then "ab" holds "userab"; the last member's value and the
    // message's content too: a long value then "night" holds the long keyword only within a window
    // wider than 32.
    const long = "abcd ".repeat(8);
    const cases = [
      { keywords: ["zz"], mode: "word" },
      { keywords: [`${"abcd".repeat(8)}night`], mode: "substring" },
      { keywords: ["userab"], mode: "word" },
      { keywords: ["mm"], mode: "word" },
    ] as const;
    const compiled = cases.map(({ keywords, mode }) => ({ content: compileContentMatch("p", [...keywords], [], mode) }));
    const first = new ContentIndex(compiled.slice(0, 2));
    const second = new ContentIndex(compiled.slice(2));
    const made = (model: string, role: string, content: string, value: string) => ({ model, messages: [{ role, content }], extra: { k: value } });
    const shapes = [made("ab", "user", "x", "q"), made("user", "ab", "x", "q"), made("m", "user", "night", long)];
    const answers: boolean[] = [];
    for (const shape of [...shapes, ...shapes, ...shapes.toReversed()]) {
      const view = await viewOf(shape);
      const [one, two] = [first.scan(view), second.scan(view)];
      const reference = await viewOf(shape);
      compiled.forEach(({ content }, at) => {
        const scan = at < 2 ? one : two;
        expect(scan.test(at < 2 ? at : at - 2, content!)).toBe(content!.test(reference));
        expect(content!.test(view)).toBe(content!.test(reference));
        answers.push(content!.test(reference));
      });
    }
    // Each case's keyword found where it is: "userab" in the second request, the long one in the third.
    expect(answers.slice(0, 12)).toEqual([false, false, false, false, false, false, true, false, false, true, false, false]);
  });
});
