// The mask context's rule parts (what it reads of its rules alone) built once per tuple of rules,
// against the previous context (copied below: every part built for each exchange): over runs of
// exchanges whose rules are drawn from one pool (repeated, in any order, prefixes of each other,
// none), the same answers from every operation and read-out, exchange after exchange.
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { compileDetectors } from "../../core/detectors/compile-detectors.js";
import type { CompiledDetectors } from "../../core/detectors/compile-detectors.js";
import type { QuietReading } from "../../core/detectors/detector.js";
import { forRequest, forResponse, type MaskRule } from "../../core/detectors/mask-types.js";
import { setReading } from "../../core/detectors/quiet-text.js";
import { maskedDigits } from "../inspection/masked-number.js";
import { cleanPairsOf } from "./clean-pairs.js";
import { escapeAware } from "./escape-view.js";
import { createFindingCounter } from "./finding-counter.js";
import { createMaskContext } from "./mask-context.js";
import { createMatchScanner, type Match } from "./match-scanner.js";
import { createPseudonymTable } from "./pseudonym-table.js";
import { applyMatches, createReplacer } from "./replacer.js";
import { withholdInUrls, withoutRestoring } from "./restore-guard.js";
import { pseudonymRule, rule } from "./test-rules.js";

// The previous createMaskContext and the helpers it read, as they were (their own stores).
const cleanRequestTexts = new WeakMap<object, Set<string>>();
const cleanSets = (rules: readonly MaskRule[]) =>
  rules.map(({ detectors }) => {
    let clean = cleanRequestTexts.get(detectors);
    if (!clean) cleanRequestTexts.set(detectors, (clean = new Set()));
    return clean;
  });
const requestQuickTests = new WeakMap<CompiledDetectors, Map<string, boolean>>();
function rememberedMayFind(detectors: CompiledDetectors, text: string): boolean {
  let kept = requestQuickTests.get(detectors);
  if (!kept) requestQuickTests.set(detectors, (kept = new Map()));
  let may = kept.get(text);
  if (may === undefined) {
    may = detectors.mayFind(text);
    if (kept.size < 4096) kept.set(text, may);
  }
  return may;
}
function proseReach(rules: readonly MaskRule[]): { proseReach?: number; mayFindProse?: (text: string) => boolean } {
  let widest = 0;
  for (const { detectors } of rules) {
    if (detectors.proseReach === undefined || detectors.mayFindProse === undefined) return {};
    widest = Math.max(widest, detectors.proseReach);
  }
  return { proseReach: widest, mayFindProse: (text) => rules.some((rule) => rule.detectors.mayFindProse!(text)) };
}
function quietReading(rules: readonly MaskRule[]): { quiet?: QuietReading } {
  const readings: QuietReading[] = [];
  for (const { detectors } of rules) {
    if (!detectors.quiet) return {};
    readings.push(detectors.quiet);
  }
  return readings.length === 0 ? {} : { quiet: setReading(readings) };
}
function previousContext(rules: readonly MaskRule[]) {
  const table = createPseudonymTable();
  const counter = createFindingCounter();
  const requestRules = rules.filter(forRequest);
  const responseRules = rules.filter(forResponse);
  const requestScanner = createMatchScanner(requestRules);
  let requestClean: Set<string>[] | undefined;
  const requestReplacer = createReplacer(table, counter, "request");
  const findRequest = (text: string): Match[] => {
    const short = text.length <= 80;
    if (short && requestRules.length > 0 && (requestClean ??= cleanSets(requestRules)).every((clean) => clean.has(text))) return [];
    const { matches } = requestScanner.scan(text);
    if (short && matches.length === 0) for (const clean of (requestClean ??= cleanSets(requestRules))) if (clean.size < 4096) clean.add(text);
    return matches;
  };
  const replyScanner = escapeAware(createMatchScanner(responseRules, table));
  const replyReplacer = createReplacer(table, counter, "response");
  return {
    table,
    counter,
    masksRequests: requestRules.length > 0,
    prompt: {
      mask(text: string, location: string) {
        const matches = findRequest(text);
        return matches.length === 0 ? text : applyMatches(text, matches, 0, text.length, location, requestReplacer).record;
      },
      find: findRequest,
      mayFind: (text: string) => (text.length <= 80 ? requestRules.some((rule) => rememberedMayFind(rule.detectors, text)) : requestRules.some((rule) => rule.detectors.mayFind(text))),
      ...proseReach(requestRules),
      replace: (match: Match, location: string) => requestReplacer.replace(match, location).record,
      cleanPairs: cleanPairsOf(requestRules),
    },
    reply: {
      get active() {
        return responseRules.length > 0 || table.restorable > 0;
      },
      get restoring() {
        return table.restorable > 0;
      },
      scanner: replyScanner,
      mask(text: string, location: string, restore = true) {
        const { matches } = replyScanner.scan(text);
        if (matches.length === 0) return { client: text, record: text };
        const kept = table.restorable === 0 ? matches : restore ? withholdInUrls(matches, text, 0, "") : withoutRestoring(matches);
        return applyMatches(text, kept, 0, text.length, location, replyReplacer);
      },
      maskNumber(source: string, location: string) {
        const { matches } = replyScanner.scan(source);
        let digits = source;
        for (const match of matches) {
          if (match.entry) continue;
          digits = maskedDigits(digits, match.start, match.end, replyReplacer.replace(match, location).record);
        }
        return digits === source ? undefined : digits;
      },
      mayFind: (text: string) => text.includes("\\") || text.includes("<") || responseRules.some((rule) => rule.detectors.mayFind(text)),
      detectorSets: responseRules.map((rule) => rule.detectors),
      refusesBinary: responseRules.find((rule) => !rule.allowBinary)?.policy,
      ...quietReading(responseRules),
    },
  };
}

// A pool of rules, each one object for the whole run (as a snapshot's compiled mask rules are).
const secrets = compileDetectors({ builtins: ["secrets", "payment-card"], patterns: [], words: [] });
const custom = compileDetectors({ builtins: ["email"], patterns: ["ticket-\\d{4}"], words: ["nightingale"] });
const pool: MaskRule[] = [
  rule(), pseudonymRule({ policy: "p2" }), rule({ policy: "p3", direction: "response" }), rule({ policy: "p4", direction: "request", allowBinary: true }),
  { policy: "keys", detectors: secrets, direction: "both", style: "redact", restore: false },
  { policy: "custom", detectors: custom, direction: "response", style: "pseudonymize", restore: true, allowBinary: true },
];
const texts = [
  "", "model", "gpt-4o-mini", "Please review the quarterly report and its risks.", "write to jane.doe@example.com", "call +44 20 7946 0958",
  "AKIAIOSFODNN7EXAMPLE key", "card 4111 1111 1111 1111", "ticket-1234 for nightingale", "back to <EMAIL_1> soon", "jane\\u0040example.com", "4111111111111111",
];

function exchange(context: ReturnType<typeof previousContext>, steps: readonly { text: string; restore: boolean }[]) {
  const { prompt, reply } = context;
  const out: unknown[] = [context.masksRequests, prompt.proseReach, prompt.cleanPairs, reply.detectorSets, reply.refusesBinary, (reply as { quiet?: QuietReading }).quiet === undefined, (reply as { quiet?: QuietReading }).quiet?.digitRun];
  for (const [index, { text, restore }] of steps.entries()) {
    out.push(prompt.mayFind(text), prompt.mayFindProse?.(text), prompt.find(text), prompt.mask(text, `request.s${index}`), reply.mayFind(text));
    out.push((reply as { quiet?: QuietReading }).quiet?.holdFrom(text));
    out.push(reply.mask(text, `response.s${index}`, restore), reply.maskNumber(text.replace(/\D/g, "") || "0", `response.n${index}`), reply.active, reply.restoring);
  }
  out.push(context.counter.list(), context.table.size, context.table.restorable);
  return out;
}

describe("the mask context's rule parts, once per tuple of rules", () => {
  it("answer as the parts built for each exchange did, whatever tuples came before", () => {
    const tuple = fc.array(fc.constantFrom(...pool), { maxLength: 4 });
    const steps = fc.array(fc.record({ text: fc.constantFrom(...texts), restore: fc.boolean() }), { maxLength: 6 });
    fc.assert(
      fc.property(fc.array(fc.tuple(tuple, steps), { minLength: 1, maxLength: 6 }), (exchanges) => {
        for (const [rules, sequence] of exchanges) {
          // A fresh array per exchange, as the policy step hands over its masks.
          const now = createMaskContext([...rules]) as unknown as ReturnType<typeof previousContext>;
          expect(exchange(now, sequence)).toEqual(exchange(previousContext([...rules]), sequence));
        }
      }),
      { numRuns: 300 },
    );
  });
});
