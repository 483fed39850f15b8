// Slot masking with clean pairs remembered (PromptMasker.cleanPairs: two short neighbouring texts
// found clean on an earlier request are not read joined again) against the same masking with none
// kept, which reads every pair as before: over a run of requests drawn from a few keys, labels and
// pieces of values (so pairs repeat, clean and not, the same left text beside other right texts),
// the same texts written, the same findings counted, the same refusals, request after request.
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { compileDetectors } from "../../core/detectors/compile-detectors.js";
import { createMaskContext, type PromptMasker } from "../masking/mask-context.js";
import type { MaskRule } from "../../core/policy/protection-rules.js";
import { maskSlots } from "./slot-masker.js";
import { type SlotRole, type TextSlot, UnmaskableError } from "./text-slot.js";

// Keys, labels and short values, and values cut in two: each half clean or not on its own, the two joined a finding.
const texts = [
  "model", "role", "content", "gpt-4o-mini", "system", "user", "You are a careful analyst.", "v24.21.0", "0",
  "4111 1111 ", "1111 1111", "4111 1111", "jane.doe@exa", "mple.com", "jane.doe", "@example.com", "AK", "IAABCDEFGHIJKLMNOP",
  "aws_secret_access_key", "wJalrXUtnFEMIKaMDENGbPxRfiCYEXAMPLEKEYab", "415 555", "0133", "sk-proj-Ab3dEfGh", "IjKlMnOpQrStUvWxYz0123456789",
  "xo", "xb-1234567890-abcdefghij", "the north renewed late", "",
];
const long = "Please review the following quarterly report and summarise the main risks for the board. ".repeat(2);
const role = fc.constantFrom<SlotRole | undefined>("value", "label", "key", "label", undefined);
const slot = fc.record({ text: fc.oneof({ weight: 9, arbitrary: fc.constantFrom(...texts) }, { weight: 1, arbitrary: fc.constantFrom(long, `${long}AK`) }), role, writable: fc.constantFrom(true, true, true, false) });
const request = fc.array(slot, { minLength: 2, maxLength: 7 });

const sets = [
  compileDetectors({ builtins: ["email", "phone", "payment-card", "secrets"], patterns: [], words: [] }),
  compileDetectors({ builtins: ["payment-card"], patterns: [], words: [] }),
  compileDetectors({ builtins: ["secrets"], patterns: ["wJalr[A-Za-z]+"], words: ["careful analyst"] }),
];
const rule = (set: number): MaskRule => ({ policy: `mask-${set}`, detectors: sets[set]!, direction: "request", style: "redact", restore: false });
const ruleSets = [[rule(0)], [rule(1)], [rule(2)], [rule(1), rule(0)], [rule(0), rule(1)]];

type Outcome = { changed: boolean; written: (string | undefined)[] } | { refused: string; written: (string | undefined)[] };

/** Texts as slots (document order, `role` as given; `writable` false: no write), masked by `masker`: what each became, or the refusal. */
function outcome(list: readonly { text: string; role?: SlotRole; writable: boolean }[], masker: PromptMasker): Outcome {
  const written: (string | undefined)[] = list.map(() => undefined);
  const slots: TextSlot[] = list.map(({ text, role, writable }, index) => ({
    text,
    location: `s${index}`,
    ...(role ? { role } : {}),
    ...(writable ? { write: (masked: string) => void (written[index] = masked) } : {}),
  }));
  try {
    return { changed: maskSlots(slots, masker), written };
  } catch (error) {
    if (error instanceof UnmaskableError) return { refused: error.message, written };
    throw error;
  }
}

// Every pair read joined: the same masker, keeping no pair.
const keepingNone = (masker: PromptMasker): PromptMasker => ({ mask: masker.mask, find: masker.find, mayFind: masker.mayFind, replace: masker.replace, ...(masker.proseReach === undefined ? {} : { proseReach: masker.proseReach }) });

describe("slot masking with clean pairs remembered", () => {
  it("writes, counts and refuses what masking that reads every pair does, request after request", () => {
    fc.assert(
      fc.property(fc.array(request, { minLength: 1, maxLength: 12 }), fc.nat(ruleSets.length - 1), (requests, which) => {
        for (const list of requests) {
          const kept = createMaskContext(ruleSets[which]!);
          const none = createMaskContext(ruleSets[which]!);
          expect(kept.prompt.cleanPairs).toBeDefined();
          expect(outcome(list, kept.prompt), JSON.stringify(list)).toEqual(outcome(list, keepingNone(none.prompt)));
          expect(kept.counter.list()).toEqual(none.counter.list());
        }
      }),
      { numRuns: 150 },
    );
  });

  it("keeps a pair for its own rules' sets only, and only when clean", () => {
    const own = (builtins: string[]): MaskRule => ({ policy: "mask", detectors: compileDetectors({ builtins, patterns: [], words: [] }), direction: "request", style: "redact", restore: false });
    const [cards, secrets] = [own(["payment-card"]), own(["secrets"])];
    const card = [{ text: "4111 1111 ", role: "label" as const, writable: true }, { text: "1111 1111", role: "value" as const, writable: true }];
    const [byCards, bySecrets] = [createMaskContext([cards]).prompt, createMaskContext([secrets]).prompt];
    expect(outcome(card, bySecrets)).toEqual({ changed: false, written: [undefined, undefined] });
    expect(bySecrets.cleanPairs!.has("4111 1111 ", "1111 1111")).toBe(true);
    expect(byCards.cleanPairs!.has("4111 1111 ", "1111 1111")).toBe(false);
    expect(outcome(card, byCards)).toMatchObject({ changed: true });
    expect(byCards.cleanPairs!.has("4111 1111 ", "1111 1111")).toBe(false);
    expect(createMaskContext([cards, secrets]).prompt.cleanPairs).toBe(createMaskContext([cards, secrets]).prompt.cleanPairs);
    expect(createMaskContext([cards, secrets]).prompt.cleanPairs).not.toBe(createMaskContext([secrets, cards]).prompt.cleanPairs);
    expect(createMaskContext([]).prompt.cleanPairs).toBeUndefined();
  });
});
