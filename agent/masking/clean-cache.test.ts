// The reply's clean cache answering a text known clean before it makes a closure for the text's
// location, against the previous cache (copied below): over runs of operations — keys, identifiers,
// texts with a value, placeholders, base64 that refuses, numbers, key names — the same answers,
// refusals, locations asked for (when, and how often) and findings counted, step after step.
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import type { MaskRule } from "../../core/detectors/mask-types.js";
import { checkBase64Text } from "./base64-watch.js";
import { createMaskContext, type ReplyMasker } from "./mask-context.js";
import { pseudonymRule, rule } from "./test-rules.js";
import { type CleanCache, createCleanCache } from "./value-masker.js";

// The previous cache, as it was (its own stores: a reference and the cache under test do not share what they learnt).
const referenceCleanBySet = new WeakMap<object, Set<string>>();
const referenceNamingBySet = new WeakMap<object, Map<string, boolean>>();
function referenceCleanCache(reply: ReplyMasker): CleanCache {
  const sets = reply.detectorSets.map((detectors) => {
    let clean = referenceCleanBySet.get(detectors);
    if (!clean) referenceCleanBySet.set(detectors, (clean = new Set()));
    return clean;
  });
  const known = (text: string) => sets.length > 0 && !text.includes("<") && sets.every((clean) => clean.has(text));
  const isClean = (text: string, location: () => string): boolean => {
    if (text === "" || known(text)) return true;
    if (reply.scanner.scan(text).matches.length > 0) return false;
    checkBase64Text(reply, text, location);
    if (text.length <= 80) for (const clean of sets) if (clean.size < 4096) clean.add(text);
    return true;
  };
  const naming = reply.detectorSets.map((detectors) => {
    let names = referenceNamingBySet.get(detectors);
    if (!names) referenceNamingBySet.set(detectors, (names = new Map()));
    return { names, detectors: detectors as { mayFind(text: string): boolean } };
  });
  return {
    names(key) {
      for (const { names, detectors } of naming) {
        let may = names.get(key);
        if (may === undefined) {
          may = detectors.mayFind(key);
          if (key.length <= 80 && names.size < 4096) names.set(key, may);
        }
        if (may) return true;
      }
      return false;
    },
    mask(text, at, locate, restore) {
      return isClean(text, () => locate(at)) ? undefined : reply.mask(text, locate(at), restore);
    },
    clean: (text) => isClean(text, () => "response"),
    number(source, at, locate) {
      if (known(source)) return undefined;
      const masked = reply.maskNumber(source, locate(at));
      if (masked === undefined && source.length <= 80) for (const clean of sets) if (clean.size < 4096) clean.add(source);
      return masked;
    },
  };
}

const texts = [
  "", "id", "content", "chatcmpl-bench", "gpt-4o-mini", "assistant", "stop", "Noted: the main risks are the late renewals.",
  "jane.doe@example.com", "write to jane.doe@example.com today", "+44 20 7946 0958", "<EMAIL_1>", "see <EMAIL_1> and <b>x</b>",
  Buffer.from("mail jane.doe@example.com now").toString("base64"), Buffer.from("nothing in here at all, really").toString("base64"),
  "email", "phone_number", "x".repeat(81), "4111111111111111", "1733000000", "12",
];
type Step = { op: "mask" | "clean" | "number" | "names"; text: string; restore: boolean | undefined };
const step = fc.record({ op: fc.constantFrom<Step["op"]>("mask", "mask", "clean", "number", "names"), text: fc.constantFrom(...texts), restore: fc.constantFrom(undefined, true, false) });
const ruleSets: MaskRule[][] = [[rule()], [pseudonymRule()], [rule({ direction: "response" }), pseudonymRule({ policy: "p2" })]];

function run(cache: CleanCache, steps: readonly Step[]) {
  const out: unknown[] = [];
  for (const [index, { op, text, restore }] of steps.entries()) {
    const asked: string[] = [];
    const locate = (at: number) => {
      asked.push(`loc${at}`);
      return `response.field${at}`;
    };
    try {
      if (op === "mask") out.push(cache.mask(text, index, locate, restore));
      else if (op === "clean") out.push(cache.clean(text));
      else if (op === "number") out.push(cache.number(text.replace(/\D/g, "") || "0", index, locate));
      else out.push(cache.names(text));
    } catch (error) {
      out.push({ refused: (error as Error).message });
    }
    out.push(asked);
  }
  return out;
}

describe("the reply's clean cache", () => {
  it("answers, refuses and asks for locations as the previous cache did, step after step", () => {
    fc.assert(
      fc.property(fc.constantFrom(...ruleSets.keys()), fc.array(step, { maxLength: 30 }), (set, steps) => {
        // One context each side; each cache keeps what it learns across runs in its own store.
        const rules = ruleSets[set]!;
        const before = createMaskContext(rules);
        const after = createMaskContext(rules);
        expect(run(createCleanCache(after.reply), steps)).toEqual(run(referenceCleanCache(before.reply), steps));
        expect(after.counter.list()).toEqual(before.counter.list());
      }),
      { numRuns: 300 },
    );
  });
});
