// The detector registry: compiles a mask policy's detector list once (per snapshot) into one
// object whose find() merges every detector's findings (longest wins, then earliest) and whose
// holdFrom() is the earliest hold of any detector (the stream contract in detector.ts).
import { LOOKBEHIND, settledHoldAny, tailFindings, type Detector, type Finding, type QuietReading } from "./detector.js";
import { setReading } from "./quiet-text.js";
import { emailDetector } from "./email.js";
import { OBFUSCATION_SIGN_LONGEST, obfuscationSign } from "./email-obfuscated.js";
import { phoneDetector } from "./phone.js";
import { paymentCardDetector } from "./payment-card.js";
import { ibanDetector } from "./iban.js";
import { usSsnDetector } from "./us-ssn.js";
import { ipAddressDetector } from "./ip-address.js";
import { mayHoldSecret, SECRET_REQUIRED_LONGEST, secretsDetector } from "./secrets.js";
import { PATTERN_HOLD, patternDetector, wordDetector } from "./custom.js";
import { mergeFindings } from "./merge-findings.js";
import { memoisedRendered, memoisedView, normalisedDetector } from "./normalised-detector.js";
import { detectorView, type NormalisedView } from "../text/normalise.js";
import { withoutMarkup } from "../text/escapes.js";

export type { Detector, Finding } from "./detector.js";
export { LOOKBEHIND } from "./detector.js";

/** What a mask policy asks for. */
export interface DetectorSpec {
  /** Built-in detector names (BUILTIN_DETECTORS). */
  builtins: readonly string[];
  /** Custom regular expressions (JavaScript syntax). */
  patterns: readonly string[];
  /** Custom words and phrases, matched whole and ignoring case. */
  words: readonly string[];
  /** Region whose national phone numbers are found too (ISO 3166 alpha-2); absent = `defaultPhoneRegions`. */
  phoneRegion?: string;
  /** Regions whose national numbers are found when the policy names none (the deployment's setting); absent = DEFAULT_PHONE_REGIONS, empty = "+" numbers only. */
  defaultPhoneRegions?: readonly string[];
}

/** The regions whose national phone numbers are found when neither the policy nor the deployment says. */
export const DEFAULT_PHONE_REGIONS: readonly string[] = ["US"];

export interface CompiledDetectors {
  readonly detectors: readonly Detector[];
  /** Findings of every detector in `text`, sorted, non-overlapping (longest wins, then earliest). */
  find(text: string): Finding[];
  /** Earliest holdFrom of any detector, moved back so no finding crosses it: a stream masker emits text before it and holds the rest. */
  holdFrom(text: string): number;
  /** The most any detector holds back in a stream (characters). */
  readonly maxHoldBack: number;
  /** Emitted characters a stream masker keeps as context before its held tail. */
  readonly lookbehind: number;
  /**
   * False when nothing in `text` can be found: built-in detectors only, and no digit, `@`, `%`,
   * `&`, `\`, `:` or non-ASCII character in it (every built-in value has one of those, in any
   * form the normalised view reads: `&commat;` is an `@`, tag characters spell ASCII), nor a secret's
   * required text in any view the detectors read. A cheap test
   * before scanning many short texts (keys, labels, prose). False for `text` is false for `text`
   * with spaces inserted anywhere too (a joined reading's variants).
   */
  mayFind(text: string): boolean;
  /**
   * What mayFind gives for texts of plain prose (isPlainProse: no sign of a value, no character a
   * view hides, no escape) it says no to: no part of such a text may hold anything either, and
   * such texts joined may hold something only within `proseReach` characters of a join (only a
   * secret's required text can run across one): mayFind of the join is mayFind of the characters
   * within `proseReach` of each of its joins. Undefined when the quick test reads more than signs
   * and secrets' required texts (custom patterns and words: it always says yes).
   */
  readonly proseReach?: number;
  /**
   * mayFind of a text of plain prose (isPlainProse says so: the caller has read it already), without
   * reading it for signs again — it holds none — only for what the quick test reads in prose (a
   * secret's required text, a sign of an obfuscated address). Defined where proseReach is.
   */
  readonly mayFindProse?: (text: string) => boolean;
  /**
   * How the set reads a quiet text (quiet-text.ts): nothing found, and this hold. Present when every
   * detector of the set is a built-in with a QuietReading (e-mail, phone, payment-card, secrets, US SSN).
   */
  readonly quiet?: QuietReading;
}

// Plain prose: the characters that are neither a sign of a value for any set (digits, "@", "%",
// "&", "\\", ":", non-ASCII) nor hidden by a view (controls, "*", "`", "<"). Every quick test below
// reads such a text only for the secrets' required texts (quickTest), as written.
const plainProse = /^[\t\n\r\x20-\x24\x27-\x29\x2b-\x2f\x3b\x3d-\x3f\x41-\x5b\x5d-\x5f\x61-\x7e]*$/;

/** Whether `text` is plain prose (see CompiledDetectors.proseReach). */
export function isPlainProse(text: string): boolean {
  return plainProse.test(text);
}

// What every built-in finding but a secret contains, in the text as written: digits (phones,
// cards, IBANs, SSNs, IPv4), "@" (e-mail), "%", "&" and "\" (escapes, character references), ":"
// (IPv6), or non-ASCII (look-alike forms, smuggled text). A backslash escape may hold no digit and
// still decode to one or to nothing (`\xbc` is ¼, read "1⁄4"; `\u{e}` and `\uFEFF` are dropped).
// Secrets can be letters only ("AKIA" + 16 capitals, an AWS secret key after its name, "xoxb-…"):
// they are told by the text every secret shape requires (mayHoldSecret), read as the detectors'
// views read it (hiddenSecret). The letters of those texts written as escapes or references hold a
// "\", "%" or "&"; look-alikes are non-ASCII.
const mayHoldValue = /[0-9@%&\\:\u0080-\uffff]/;
// The same without ":", for sets without the IP address detector (prose's colons then cost no scan).
const mayHoldNonIpValue = /[0-9@%&\\\u0080-\uffff]/;
// What the detector views read as nothing in ASCII text without escapes: control characters (all
// but tab and line breaks) and, in the rendered view, markdown's `*` and `` ` `` and HTML markup
// (`<`: tags and comments are taken out as that view finds them). None is part of a secret's
// required text, so a required text that a view spells across them is still spelled once they are
// taken out (and one the text spells as it is, too).
const hiddenAll = /[^\t\n\r\x20-\x29\x2b-\x5f\x61-\x7e]/g;
// A sign of a value (as above) or a hidden character: what is neither is plain ASCII prose, whose
// quick test is only the secrets' required texts as written. (Written as what is plain.)
const notPlain = /[^\t\n\r\x20-\x24\x27-\x29\x2b-\x2f\x3b\x3d-\x3f\x41-\x5b\x5d-\x5f\x61-\x7e]/;
const notPlainNonIp = /[^\t\n\r\x20-\x24\x27-\x29\x2b-\x2f\x3a-\x3b\x3d-\x3f\x41-\x5b\x5d-\x5f\x61-\x7e]/;

/** Whether some view the detectors read of `text` (ASCII without escapes, a hidden character in it) may spell a secret's required text. */
function hiddenSecret(text: string): boolean {
  if (mayHoldSecret(text.replace(hiddenAll, ""))) return true;
  // The rendered view of ASCII without escapes: markup (tags, comments) taken out, then the rest of what it hides.
  return text.includes("<") && mayHoldSecret(withoutMarkup(text).replace(hiddenAll, ""));
}

const builtins: Record<string, (spec: DetectorSpec) => Detector> = {
  email: () => emailDetector(),
  phone: (spec) => phoneDetector({ regions: spec.phoneRegion ? [spec.phoneRegion] : (spec.defaultPhoneRegions ?? DEFAULT_PHONE_REGIONS) }),
  "payment-card": () => paymentCardDetector(),
  iban: () => ibanDetector(),
  "us-ssn": () => usSsnDetector(),
  "ip-address": () => ipAddressDetector(),
  secrets: () => secretsDetector(),
};

/** The names a policy may list as built-in detectors. */
export const BUILTIN_DETECTORS: readonly string[] = Object.keys(builtins);

/** The most `detectors` hold back in a stream, in characters. */
export function maxHoldBack(detectors: readonly Detector[]): number {
  return detectors.reduce((most, detector) => Math.max(most, detector.maxLength), 0);
}

/** Whether `text`, or the detector view of it without what that view hides, holds a sign of an obfuscated e-mail address (`[at]`, "dot"). */
function obfuscated(text: string, plain: boolean): boolean {
  return obfuscationSign.test(text) || (!plain && obfuscationSign.test(text.replace(hiddenAll, "")));
}

/** The set's quick test: a character some finding of its built-ins needs, (with e-mail) a sign of an obfuscated address, or (with secrets) a secret's required text in a view. */
function quickTest(value: RegExp, notPlainText: RegExp, secrets: boolean, email: boolean): (text: string) => boolean {
  if (!secrets) return email ? (text) => value.test(text) || obfuscated(text, !notPlainText.test(text)) : (text) => value.test(text);
  if (!email) return (text) => (notPlainText.test(text) ? value.test(text) || hiddenSecret(text) : mayHoldSecret(text));
  return (text) => (notPlainText.test(text) ? value.test(text) || hiddenSecret(text) || obfuscated(text, false) : mayHoldSecret(text) || obfuscationSign.test(text));
}

// The text itself as a view (a detector that normalises the text on its own).
const asWritten = (text: string): NormalisedView => ({ text, identity: true, toOriginal: (start, end) => [start, end] });

/** The quick test of a text of plain prose: what quickTest reads once the sign and hidden-character tests have said no. */
function proseTest(secrets: boolean, email: boolean): (text: string) => boolean {
  if (secrets) return email ? (text) => mayHoldSecret(text) || obfuscationSign.test(text) : mayHoldSecret;
  return email ? (text) => obfuscationSign.test(text) : () => false;
}

/** Compiles `spec` once; throws (the snapshot is NACKed) on an unknown built-in, a bad pattern or region. */
export function compileDetectors(spec: DetectorSpec): CompiledDetectors {
  const detectors: Detector[] = [];
  // Built-ins and patterns read the detector view and the rendered view (one each per text for the whole set); words read the word view.
  const view = memoisedView(detectorView);
  const rendered = memoisedRendered();
  // The built-ins' own readings of quiet texts (the views read such a text as it is).
  const quiet: (QuietReading | undefined)[] = [];
  for (const name of new Set(spec.builtins)) {
    const make = builtins[name];
    if (!make) throw new Error(`unknown detector ${JSON.stringify(name)} (known: ${BUILTIN_DETECTORS.join(", ")})`);
    const detector = make(spec);
    quiet.push(detector.quiet);
    detectors.push(normalisedDetector(detector, view, rendered));
  }
  if (spec.patterns.length > 0) detectors.push(normalisedDetector(patternDetector(spec.patterns), view, rendered));
  // Words read their own word view of the text, and of its rendered view (`Fal<b></b>con`).
  if (spec.words.some((word) => word.trim() !== "")) detectors.push(normalisedDetector(wordDetector(spec.words), asWritten, rendered));
  const longest = Math.max(maxHoldBack(detectors), PATTERN_HOLD);
  const secrets = spec.builtins.includes("secrets");
  const email = spec.builtins.includes("email");
  const custom = spec.patterns.length > 0 || spec.words.some((word) => word.trim() !== "");
  const findAll = (text: string): Finding[] => detectors.flatMap((detector) => detector.find(text));
  const find = (text: string): Finding[] => (detectors.length === 1 ? detectors[0].find(text) : mergeFindings(detectors.flatMap((detector) => detector.find(text)), text));
  return {
    detectors,
    find,
    holdFrom(text) {
      const earliest = detectors.reduce((hold, detector) => Math.min(hold, detector.holdFrom(text)), text.length);
      // One detector's settled finding may reach into another's held tail: hold from its start. Every
      // detector's findings count, not only the merge's winners: a finding that loses to a longer one
      // now (PRJ-1234 inside "1234 (415) 555-2") wins again when the longer one changes.
      if (earliest === text.length) return earliest;
      return settledHoldAny(tailFindings({ find: findAll }, text, earliest, longest), earliest);
    },
    maxHoldBack: maxHoldBack(detectors),
    lookbehind: LOOKBEHIND,
    mayFind: custom ? () => true : spec.builtins.includes("ip-address") ? quickTest(mayHoldValue, notPlain, secrets, email) : quickTest(mayHoldNonIpValue, notPlainNonIp, secrets, email),
    // Plain prose holds no sign (its characters are plain to notPlain and notPlainNonIp alike), so
    // the quick test reads it for the required texts alone: a regular expression without anchors
    // or lookarounds, matching at most SECRET_REQUIRED_LONGEST characters.
    ...(custom ? {} : { proseReach: Math.max(secrets ? SECRET_REQUIRED_LONGEST - 1 : 0, email ? OBFUSCATION_SIGN_LONGEST - 1 : 0), mayFindProse: proseTest(secrets, email) }),
    ...(custom || quiet.length === 0 || !quiet.every((reading) => reading !== undefined) ? {} : { quiet: setReading(quiet as QuietReading[]) }),
  };
}
