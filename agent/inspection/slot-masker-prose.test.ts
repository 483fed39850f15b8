// Slot masking's shortcut for clean prose (PromptMasker.proseReach: a long slot's own scan, its
// ends and its joins asked only near the join) against the full path, which asks every window and
// join whole: the same texts written, the same findings counted, the same refusals.
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { compileDetectors } from "../../core/detectors/compile-detectors.js";
import { createMaskContext, type PromptMasker } from "../masking/mask-context.js";
import type { MaskRule } from "../../core/policy/protection-rules.js";
import { maskSlots } from "./slot-masker.js";
import { type SlotRole, type TextSlot, UnmaskableError } from "./text-slot.js";

// Values and secrets' required texts (letters only too: an AWS key id and secret key can be found
// in clean prose joined), whole in a slot or split over two neighbouring slots, in short texts and
// in long prose (past the 300 characters read around a join).
const values = [
  "AKIAABCDEFGHIJKLMNOP", "aws_secret_access_key = wJalrXUtnFEMIKaMDENGbPxRfiCYEXAMPLEKEYab", "aws secret access key: wJalrXUtnFEMIKaMDENGbPxRfiCYEXAMPLEKEYab",
  "sk-proj-Ab3dEfGhIjKlMnOpQrStUvWxYz0123456789", "xoxb-1234567890-abcdefghij", "jane.doe@example.com", "jane dot doe at example dot com", "jane.doe [at] example [dot] org", "415 555 0133", "4111 1111 1111 1111", "AK*IA", "the <b>AKIA</b>",
];
const prose = "the board asks about the risks, late. Please review the north ";
const filler = fc.constantFrom("", prose, prose.repeat(6));
const role = fc.constantFrom<SlotRole | undefined>("value", "value", "label", "key", undefined);
const slot = (text: string) => fc.record({ text: fc.constant(text), role, writable: fc.constantFrom(true, true, true, true, false) });
// One slot, or one value split over two.
const segment = fc.oneof(
  fc.tuple(filler, fc.constantFrom(...values, "", "AK", "IA"), filler).chain(([before, value, after]) => fc.tuple(slot(`${before}${value} ${after}`))),
  fc.tuple(filler, fc.constantFrom(...values), fc.nat(), filler).chain(([before, value, cut, after]) => {
    const at = 1 + (cut % (value.length - 1));
    return fc.tuple(slot(`${before}${value.slice(0, at)}`), slot(`${value.slice(at)} ${after}`));
  }),
);
const slots = fc.array(segment, { minLength: 1, maxLength: 4 }).map((segments) => segments.flat());

const sets = [
  compileDetectors({ builtins: ["email", "phone", "payment-card", "secrets"], patterns: [], words: [] }),
  compileDetectors({ builtins: ["email", "ip-address", "secrets"], patterns: [], words: [] }),
  compileDetectors({ builtins: ["payment-card"], patterns: [], words: [] }),
];
const rules = (set: number): MaskRule[] => [{ policy: "mask", detectors: sets[set]!, direction: "request", style: "redact", restore: false }];

/** Texts as slots (document order, `role` as given; `writable` false: no write), masked by `masker`: what each became, or the refusal. */
function slotMaskingOutcome(list: readonly { text: string; role?: SlotRole; writable: boolean }[], masker: PromptMasker): { changed: boolean; written: (string | undefined)[] } | { refused: string; written: (string | undefined)[] } {
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

// The full path: the same masker, promising nothing about prose.
function withoutReach(masker: PromptMasker): PromptMasker {
  return { mask: masker.mask, find: masker.find, mayFind: masker.mayFind, replace: masker.replace };
}

describe("slot masking of clean prose", () => {
  it("writes, counts and refuses what the full path does", () => {
    fc.assert(
      fc.property(slots, fc.constantFrom(0, 1, 2), (list, set) => {
        const fast = createMaskContext(rules(set));
        const full = createMaskContext(rules(set));
        expect(fast.prompt.proseReach).toBeDefined();
        const expected = slotMaskingOutcome(list, withoutReach(full.prompt));
        expect(slotMaskingOutcome(list, fast.prompt)).toEqual(expected);
        expect(fast.counter.list()).toEqual(full.counter.list());
      }),
      { numRuns: 400 },
    );
  });

  it("finds a secret's required text split over two ends of clean prose, near the join and whole", () => {
    const long = prose.repeat(6);
    const block = "IN RSA PRIVATE KEY-----\nMIIEowIBAAKCAQEAuSUfVLPHCozMxHMo\n-----END RSA PRIVATE KEY----- more";
    const cases: { text: string; role?: SlotRole; writable: boolean }[][] = [
      [{ text: "the -----BEG", role: "key", writable: true }, { text: block, role: "value", writable: true }],
      [{ text: `${long}-----BEG`, role: "label", writable: true }, { text: `${block} ${long}`, role: "value", writable: true }],
      [{ text: `${long}xo`, role: "label", writable: true }, { text: `xb-abcdefghijklmn ${long}`, role: "value", writable: true }],
      [{ text: `${long}AKIAABCDE`, role: "value", writable: true }, { text: `FGHIJKLMNOP ${long}`, role: "value", writable: true }],
      [{ text: `${long}jane.doe@example.com ${long}`, role: "value", writable: true }, { text: long, role: "value", writable: true }],
      // Not plain prose: what a view hides may stretch a required text past any reach.
      [{ text: `${long}AK${"*".repeat(30)}`, role: "label", writable: true }, { text: `IAABCDEFGHIJKLMNOP ${long}`, role: "value", writable: true }],
    ];
    for (const list of cases) {
      for (const set of [0, 1]) {
        const outcome = slotMaskingOutcome(list, createMaskContext(rules(set)).prompt);
        expect(outcome, JSON.stringify(list)).toEqual(slotMaskingOutcome(list, withoutReach(createMaskContext(rules(set)).prompt)));
        expect("changed" in outcome && outcome.changed, JSON.stringify(list)).toBe(true);
      }
    }
  });
});
