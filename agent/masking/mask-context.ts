// One exchange's masking state, shared by the request walkers, response walkers and stream
// maskers: the rules split by direction, the pseudonym table, the finding counter, and whole-text
// masking for each side.
import { maskedDigits } from "../inspection/masked-number.js";
import { escapeAware } from "./escape-view.js";
import { createFindingCounter, type FindingCounter } from "./finding-counter.js";
import { createMatchScanner, type Match, type MatchScanner } from "./match-scanner.js";
import { forRequest, forResponse, type MaskRule } from "../../core/detectors/mask-types.js";
import type { CompiledDetectors } from "../../core/detectors/compile-detectors.js";
import { cleanPairsOf, type CleanPairs } from "./clean-pairs.js";
import type { QuietReading } from "../../core/detectors/detector.js";
import { setReading } from "../../core/detectors/quiet-text.js";
import { createPseudonymTable, type PseudonymTable } from "./pseudonym-table.js";
import { applyMatches, createReplacer, type Replacer, type TwoTexts } from "./replacer.js";
import { withholdInUrls, withoutRestoring } from "./restore-guard.js";

/** What the request side masks with. */
export interface PromptMasker {
  /** `text` with every finding replaced ("the same string" when nothing matched); counted at `location`. */
  mask(text: string, location: string): string;
  /** The findings in `text` (sorted, non-overlapping), without replacing anything. */
  find(text: string): Match[];
  /** False when nothing in `text` can be found (a cheap test before joining texts to scan them). */
  mayFind(text: string): boolean;
  /**
   * For plain prose mayFind says no to, what every rule's detectors promise (CompiledDetectors.proseReach):
   * no part of it may hold anything, and such texts joined may only within this many characters
   * of a join. Undefined when some rule promises nothing of the kind.
   */
  readonly proseReach?: number;
  /** mayFind of a text isPlainProse says is plain prose, not read for signs again (defined with proseReach). */
  readonly mayFindProse?: (text: string) => boolean;
  /** The replacement of one finding made at `location`; counted there. */
  replace(match: Match, location: string): string;
  /** Short neighbouring texts whose joined reading found nothing, shared by every exchange of these rules' detector sets (clean-pairs.ts); absent: none kept. */
  readonly cleanPairs?: CleanPairs;
}

/** What the reply side masks with. */
export interface ReplyMasker {
  readonly scanner: MatchScanner;
  readonly replacer: Replacer;
  /** A whole reply text: findings masked, restorable placeholders restored for the caller (outside URLs; never when `restore` is false). */
  mask(text: string, location: string, restore?: boolean): TwoTexts;
  /** A JSON number's source text with the digits of every finding masked as digits (it stays a number; agent/inspection/masked-number.ts); undefined when nothing was found. */
  maskNumber(source: string, location: string): string | undefined;
  /**
   * False when no scan of `text`, nor of any part of it, can find anything: no response rule's quick
   * test passes (detectors.mayFind: it holds nothing every finding needs, so no part of it does either), and it
   * holds no escape (the escape-aware reading decodes one) nor a `<` (a placeholder, whatever the table holds by then).
   */
  mayFind(text: string): boolean;
  /** Whether a reply needs looking at: a response rule exists or a placeholder may need restoring. */
  readonly active: boolean;
  /** Whether any placeholder may be restored (streams then remember their line for restore-guard.ts). */
  readonly restoring: boolean;
  /** The compiled detector sets of the response rules (shared by every exchange of a snapshot: caches key on them). */
  readonly detectorSets: readonly object[];
  /** The first response rule that does not let binary parts (images, audio, files) pass uninspected, if any. */
  readonly refusesBinary: string | undefined;
  /**
   * How the reply scanner reads a quiet text (core/detectors/quiet-text.ts): it finds nothing, and
   * holds from here. Present when every response rule's set has a reading (text streams then keep
   * a sign ledger and scan only what is not quiet).
   */
  readonly quiet?: QuietReading;
}

export interface MaskContext {
  readonly table: PseudonymTable;
  readonly counter: FindingCounter;
  readonly prompt: PromptMasker;
  readonly reply: ReplyMasker;
  /** Any rule masks requests. */
  readonly masksRequests: boolean;
}

// Short request texts each detector set found nothing in (keys, roles, model names, header values:
// the same on most requests), kept while the set lives (one snapshot). A text is clean for a request
// when it is clean for every request rule's set. Apart from the reply side's (value-masker.ts), which
// reads escapes and placeholders too.
const CLEAN_LENGTH = 80;
const CLEAN_SIZE = 4096;
const cleanRequestTexts = new WeakMap<object, Set<string>>();

function cleanSets(rules: readonly MaskRule[]): Set<string>[] {
  return rules.map(({ detectors }) => {
    let clean = cleanRequestTexts.get(detectors);
    if (!clean) cleanRequestTexts.set(detectors, (clean = new Set()));
    return clean;
  });
}

// Each detector set's quick test (mayFind) of short request texts, kept while the set lives: slot
// masking asks it of every key, label and short value and of short neighbours joined ("role" +
// "system", "model" + "gpt-4o-mini"), the same on most requests. A quick test is a function of the
// text alone. Kept by text up to CLEAN_LENGTH characters, up to CLEAN_SIZE of them per set.
const requestQuickTests = new WeakMap<CompiledDetectors, Map<string, boolean>>();

function rememberedMayFind(detectors: CompiledDetectors, text: string): boolean {
  let kept = requestQuickTests.get(detectors);
  if (!kept) requestQuickTests.set(detectors, (kept = new Map()));
  let may = kept.get(text);
  if (may === undefined) {
    may = detectors.mayFind(text);
    if (kept.size < CLEAN_SIZE) kept.set(text, may);
  }
  return may;
}

type ReplyParts = Omit<ReplyMasker, "active" | "restoring">;

// The reply side's two read-outs are getters of a class, not of an object literal: V8 keeps a
// literal's accessors in the old generation, so every exchange's getter closures (and the context
// they reach) outlived each scavenge until the next full GC (docs/performance.md, "Issue 13: the
// tail at one connection").
class Reply implements ReplyMasker {
  readonly scanner: MatchScanner;
  readonly replacer: Replacer;
  readonly mask: ReplyMasker["mask"];
  readonly maskNumber: ReplyMasker["maskNumber"];
  readonly mayFind: ReplyMasker["mayFind"];
  readonly detectorSets: readonly object[];
  readonly refusesBinary: string | undefined;
  readonly quiet?: QuietReading;

  constructor(
    private readonly table: PseudonymTable,
    private readonly hasRules: boolean,
    parts: ReplyParts,
  ) {
    this.scanner = parts.scanner;
    this.replacer = parts.replacer;
    this.mask = parts.mask;
    this.maskNumber = parts.maskNumber;
    this.mayFind = parts.mayFind;
    this.detectorSets = parts.detectorSets;
    this.refusesBinary = parts.refusesBinary;
    if (parts.quiet) this.quiet = parts.quiet;
  }

  get active(): boolean {
    return this.hasRules || this.table.restorable > 0;
  }

  get restoring(): boolean {
    return this.table.restorable > 0;
  }
}

// The widest reach of the rules' detectors over plain prose, when every rule has one (an empty object
// when not), and their quick test of a text of plain prose.
function proseReach(rules: readonly MaskRule[]): { proseReach?: number; mayFindProse?: (text: string) => boolean } {
  let widest = 0;
  for (const { detectors } of rules) {
    if (detectors.proseReach === undefined || detectors.mayFindProse === undefined) return {};
    widest = Math.max(widest, detectors.proseReach);
  }
  return { proseReach: widest, mayFindProse: (text) => rules.some((rule) => rule.detectors.mayFindProse!(text)) };
}

// The response rules' one reading of quiet texts, when every rule's set has one (the reply scanner
// over them reads a quiet text as each set does: nothing found, the earliest hold; a placeholder
// or an escape needs a `<` or `\`, which no quiet text holds).
function quietReading(rules: readonly MaskRule[]): { quiet?: QuietReading } {
  const readings: QuietReading[] = [];
  for (const { detectors } of rules) {
    if (!detectors.quiet) return {};
    readings.push(detectors.quiet);
  }
  return readings.length === 0 ? {} : { quiet: setReading(readings) };
}

/** The request rules' quick test (short texts' answers remembered per detector set). */
function requestQuickTest(requestRules: readonly MaskRule[]): (text: string) => boolean {
  return (text) => (text.length <= CLEAN_LENGTH ? requestRules.some((rule) => rememberedMayFind(rule.detectors, text)) : requestRules.some((rule) => rule.detectors.mayFind(text)));
}

/** The reply rules' quick test (an escape or a placeholder may hide what they find). */
function replyQuickTest(responseRules: readonly MaskRule[]): (text: string) => boolean {
  return (text) => text.includes("\\") || text.includes("<") || responseRules.some((rule) => rule.detectors.mayFind(text));
}

// What a context reads of its rules alone (no table, no counter): the same for every exchange of
// one tuple of rules, so built once per tuple (kept by the rule objects, in order, while they live:
// a snapshot's compiled mask rules) rather than per exchange (~1.5 KB of arrays, objects and
// closures an exchange). Every part is a function of the rules, and none is written after.
class RuleParts {
  readonly requestRules: readonly MaskRule[];
  readonly responseRules: readonly MaskRule[];
  readonly requestScanner: MatchScanner;
  readonly prose: { proseReach?: number; mayFindProse?: (text: string) => boolean };
  readonly cleanPairs: CleanPairs | undefined;
  readonly requestMayFind: (text: string) => boolean;
  readonly replyMayFind: (text: string) => boolean;
  readonly detectorSets: readonly object[];
  readonly refusesBinary: string | undefined;
  readonly quiet: { quiet?: QuietReading };
  private clean?: Set<string>[];

  constructor(rules: readonly MaskRule[]) {
    const requestRules = rules.filter(forRequest);
    const responseRules = rules.filter(forResponse);
    this.requestRules = requestRules;
    this.responseRules = responseRules;
    this.requestScanner = createMatchScanner(requestRules);
    this.prose = proseReach(requestRules);
    this.cleanPairs = cleanPairsOf(requestRules);
    this.requestMayFind = requestQuickTest(requestRules);
    this.replyMayFind = replyQuickTest(responseRules);
    this.detectorSets = responseRules.map((rule) => rule.detectors);
    this.refusesBinary = responseRules.find((rule) => !rule.allowBinary)?.policy;
    this.quiet = quietReading(responseRules);
  }

  /** The request rules' sets of short texts found clean (cleanSets), on first use. */
  get requestClean(): Set<string>[] {
    return (this.clean ??= cleanSets(this.requestRules));
  }
}

type PartsLevel = { next: WeakMap<MaskRule, PartsLevel>; parts?: RuleParts };
const partsRoot: PartsLevel = { next: new WeakMap() };

/** The rule parts of `rules` (one per tuple of rule objects, in their order). */
function ruleParts(rules: readonly MaskRule[]): RuleParts {
  let level = partsRoot;
  for (const rule of rules) {
    let next = level.next.get(rule);
    if (!next) level.next.set(rule, (next = { next: new WeakMap() }));
    level = next;
  }
  return (level.parts ??= new RuleParts(rules));
}

/** A fresh context for one exchange. */
export function createMaskContext(rules: readonly MaskRule[]): MaskContext {
  const table = createPseudonymTable();
  const counter = createFindingCounter();
  const parts = ruleParts(rules);
  const { requestRules, responseRules, requestScanner } = parts;
  const requestReplacer = createReplacer(table, counter, "request");
  // The request scanner's matches; a short text every request rule's set found nothing in is not scanned again.
  const findRequest = (text: string): Match[] => {
    const short = text.length <= CLEAN_LENGTH;
    if (short && requestRules.length > 0 && parts.requestClean.every((clean) => clean.has(text))) return [];
    const { matches } = requestScanner.scan(text);
    if (short && matches.length === 0) for (const clean of parts.requestClean) if (clean.size < CLEAN_SIZE) clean.add(text);
    return matches;
  };
  // Replies are also read with JSON escapes decoded (a model may write `\u0040` for `@`).
  const replyScanner = escapeAware(createMatchScanner(responseRules, table));
  const replyReplacer = createReplacer(table, counter, "response");
  return {
    table,
    counter,
    masksRequests: requestRules.length > 0,
    prompt: {
      // A text with no finding is returned as it is, so a short one remembered clean is too (the
      // record's guard masks the same connection, path and model on every request).
      mask(text, location) {
        const matches = findRequest(text);
        return matches.length === 0 ? text : applyMatches(text, matches, 0, text.length, location, requestReplacer).record;
      },
      find: findRequest,
      mayFind: parts.requestMayFind,
      ...parts.prose,
      replace: (match, location) => requestReplacer.replace(match, location).record,
      cleanPairs: parts.cleanPairs,
    },
    reply: new Reply(table, responseRules.length > 0, {
      scanner: replyScanner,
      replacer: replyReplacer,
      mask(text, location, restore = true) {
        const { matches } = replyScanner.scan(text);
        if (matches.length === 0) return { client: text, record: text };
        const kept = table.restorable === 0 ? matches : restore ? withholdInUrls(matches, text, 0, "") : withoutRestoring(matches);
        return applyMatches(text, kept, 0, text.length, location, replyReplacer);
      },
      maskNumber(source, location) {
        const { matches } = replyScanner.scan(source);
        let digits = source;
        for (const match of matches) {
          if (match.entry) continue; // a placeholder cannot be a number's digits
          digits = maskedDigits(digits, match.start, match.end, replyReplacer.replace(match, location).record);
        }
        return digits === source ? undefined : digits;
      },
      mayFind: parts.replyMayFind,
      detectorSets: parts.detectorSets,
      refusesBinary: parts.refusesBinary,
      ...parts.quiet,
    }),
  };
}
