// API keys and secrets by the shapes their issuers give them: OpenAI (`sk-`, `sk-proj-`,
// `sk-svcacct-`, `sk-admin-`), Anthropic (`sk-ant-…`), AWS access key ids (`AKIA…`/`ASIA…` + 16)
// and secret access keys (40 characters, only after a `secret_access_key`-like name), GitHub
// (`ghp_`, `gho_`, `ghu_`, `ghs_`, `ghr_`, `github_pat_`), Slack (`xoxb-`/`xoxp-`/… tokens and
// hooks.slack.com webhook URLs), PEM private key blocks (to the END line, not past another BEGIN,
// or to the end of the base64 body when cut off), and JWTs (three base64url parts whose header decodes to JSON with
// "alg"). Each finding's kind names the shape.
import { alphabet, rememberLast, settledHold, tailFindings, trailingRun, type Detector, type Finding } from "./detector.js";
import { mergeFindings } from "./merge-findings.js";

interface Shape {
  kind: string;
  pattern: RegExp;
  validate?: (value: string) => boolean;
  /** What every match contains (a literal, or a pattern without lookbehind): text without it is not scanned with `pattern`, whose opening lookbehind V8 would try at every position. */
  requires?: string | RegExp;
}

const tokenEnd = "(?![A-Za-z0-9_-])";
const keyBody = "[A-Za-z0-9+/=\\s:,.\\-]";
// One line of a key block cut off before its END line: base64, or a "Proc-Type: …" header, maybe
// after one blank line; prose after the block is not a key line.
const keyLine = "(?:\\r?\\n(?:\\r?\\n)?(?:[A-Za-z0-9+/=]{1,100}|[A-Za-z-]{1,40}: [^\\r\\n]{0,200})(?![^\\r\\n]))";

function jwtHeaderValid(value: string): boolean {
  try {
    const header: unknown = JSON.parse(Buffer.from(value.slice(0, value.indexOf(".")), "base64url").toString("utf8"));
    return typeof header === "object" && header !== null && "alg" in header;
  } catch {
    return false;
  }
}

// Issued keys are random base62: a hyphenated phrase such as "sk-learn-compatible-estimators"
// has the shape but lacks the mix of digits, upper and lower case.
function random(value: string): boolean {
  return /\d/.test(value) && /[A-Z]/.test(value) && /[a-z]/.test(value);
}

const shapes: Shape[] = [
  { kind: "anthropic-key", requires: "sk-ant-", pattern: new RegExp(`(?<![A-Za-z0-9_-])sk-ant-[a-z]+\\d*-[A-Za-z0-9_-]{20,200}${tokenEnd}`, "g"), validate: random },
  { kind: "openai-key", requires: "sk-", pattern: new RegExp(`(?<![A-Za-z0-9_-])sk-(?:(?:proj|svcacct|admin|None)-)?(?!ant-)[A-Za-z0-9_-]{20,200}${tokenEnd}`, "g"), validate: random },
  { kind: "aws-access-key", requires: /A(?:KIA|SIA|BIA|CCA|GPA|IDA|ROA|IPA|NPA|NVA|PKA)/, pattern: /(?<![A-Za-z0-9])(?:AKIA|ASIA|ABIA|ACCA|AGPA|AIDA|AROA|AIPA|ANPA|ANVA|APKA)[A-Z0-9]{16}(?![A-Za-z0-9])/g },
  // After its name however it is written (aws_secret_access_key, AWS-Secret-Access-Key,
  // SecretAccessKey, "secret access key"; the "aws" optional: S3-compatible stores use the name too),
  // then ":", "=", "=>" or "is", or nothing (a JSON key read joined with its value).
  {
    kind: "aws-secret-key",
    requires: /secret[\s_.-]?access[\s_.-]?key/i,
    pattern: /(?<=secret[\s_.-]?access[\s_.-]?key["']?\s*(?:[:=]>?|\bis\b)?\s*["']?)[A-Za-z0-9/+]{40}(?![A-Za-z0-9/+])/gi,
  },
  { kind: "github-token", requires: /gh[pousr]_|github_pat_/, pattern: new RegExp(`(?<![A-Za-z0-9_])(?:gh[pousr]_[A-Za-z0-9]{36,251}|github_pat_[A-Za-z0-9_]{50,240})${tokenEnd}`, "g"), validate: random },
  { kind: "slack-token", requires: "xox", pattern: new RegExp(`(?<![A-Za-z0-9_-])xox[abposre]-[A-Za-z0-9-]{10,250}${tokenEnd}`, "g") },
  { kind: "slack-webhook", requires: "hooks.slack.com", pattern: /https:\/\/hooks\.slack\.com\/services\/T[A-Z0-9]+\/B[A-Z0-9]+\/[A-Za-z0-9]{16,64}/g },
  { kind: "jwt", requires: "eyJ", pattern: new RegExp(`(?<![A-Za-z0-9_-])eyJ[A-Za-z0-9_-]{5,4000}\\.eyJ[A-Za-z0-9_-]{5,8000}\\.[A-Za-z0-9_-]{10,1000}${tokenEnd}`, "g"), validate: jwtHeaderValid },
  {
    kind: "private-key",
    requires: "-----BEGIN ",
    pattern: new RegExp(`-----BEGIN ((?:[A-Z0-9]+ )*PRIVATE KEY(?: BLOCK)?)-----(?:(?:(?!-----BEGIN )${keyBody}){0,16000}?-----END \\1-----|${keyLine}*)`, "g"),
  },
];

const beginMarker = "-----BEGIN ";

const escapeLiteral = (literal: string) => literal.replace(/[.*+?^${}()|[\]\\/-]/g, "\\$&");
// Every shape's required text in one expression (case-insensitive: a superset of each shape's own test),
// spaces left out: a text with spaces inserted between its pieces (a joined reading's variant) can only
// hold a required text whose spaceless form the text itself holds.
const anyRequired = new RegExp(shapes.map((shape) => (typeof shape.requires === "string" ? escapeLiteral(shape.requires.replaceAll(" ", "")) : shape.requires!.source)).join("|"), "i");

// Every shape's own test in one expression, as written (find's quick test: no shape can match a text
// it says no to). Case-insensitive, so a superset of each — which holds only for expressions with no flag but `i`.
for (const shape of shapes) if (shape.requires instanceof RegExp && /[^i]/.test(shape.requires.flags)) throw new Error(`secrets: ${shape.kind}'s required text needs a flag the quick test lacks`);
/** What secrets' find() asks before any shape: a text it does not match holds no secret (quiet-text.ts reads it as a sign). */
export const anyShapeRequired = new RegExp(shapes.map((shape) => (typeof shape.requires === "string" ? escapeLiteral(shape.requires) : (shape.requires?.source ?? ""))).join("|"), "i"); // a shape requiring nothing: matches every text

/**
 * The longest text mayHoldSecret's expression can match ("aws_secret_access_key", 21 characters):
 * a required text that runs across a join of two texts lies within this many characters less one
 * of the join. Its alternatives hold no unbounded repeat (secrets.test.ts works the bound out).
 */
export const SECRET_REQUIRED_LONGEST = 21;

/** mayHoldSecret's expression (its tests work out the longest text it matches). */
export const secretRequiredExpression: RegExp = anyRequired;

/**
 * Whether `text` holds what some secret shape requires ("sk-", "AKIA", "xox", "-----BEGIN "…). A
 * secret need not hold a digit, "@", "%", "&" or ":" (an AWS secret key or id, a Slack token
 * can be letters only), so the detector sets' quick test asks this too.
 */
export function mayHoldSecret(text: string): boolean {
  return anyRequired.test(text);
}
const completeEnd = /-----END [A-Z0-9 ]*-----/;
/** Longest private key block held back in a stream (a 4096-bit RSA key in PEM is about 3.3 KB). */
const maxKeyBlock = 16_384;
const maxToken = 8_192;
const inTokenAlphabet = alphabet("A-Za-z0-9_./:+=-");

/** Start of an unterminated "-----BEGIN …" block, or of a trailing prefix of the marker, if any (text.length: none). */
export function keyBlockHold(text: string): number {
  // includes() first: a forward search is about twice as fast as lastIndexOf's, and most texts hold no marker.
  const begin = text.includes(beginMarker) ? text.lastIndexOf(beginMarker) : -1;
  if (begin >= 0 && !completeEnd.test(text.slice(begin)) && text.length - begin <= maxKeyBlock) return begin;
  // A trailing prefix of the marker, compared code by code (endsWith and a slice per length cost more than the rest of the hold).
  // Every prefix opens with a "-": none among the last characters, no prefix.
  if (text.indexOf("-", Math.max(0, text.length - beginMarker.length)) === -1) return text.length;
  for (let length = Math.min(beginMarker.length, text.length); length > 0; length--) {
    const from = text.length - length;
    let at = 0;
    while (at < length && text.charCodeAt(from + at) === beginMarker.charCodeAt(at)) at++;
    if (at === length) return from;
  }
  return text.length;
}

function contains(text: string, required: string | RegExp | undefined): boolean {
  if (required === undefined) return true;
  return typeof required === "string" ? text.includes(required) : required.test(text);
}

/** The API key and secret detector. */
export function secretsDetector(): Detector {
  const detector: Detector = {
    name: "secrets",
    maxLength: maxKeyBlock,
    find: rememberLast((text) => {
      const findings: Finding[] = [];
      if (!anyShapeRequired.test(text)) return findings;
      for (const shape of shapes) {
        if (!contains(text, shape.requires)) continue;
        shape.pattern.lastIndex = 0;
        for (let match = shape.pattern.exec(text); match !== null; match = shape.pattern.exec(text)) {
          if (shape.validate && !shape.validate(match[0])) continue;
          findings.push({ detector: "secrets", kind: shape.kind, start: match.index, end: match.index + match[0].length, value: match[0] });
        }
      }
      return mergeFindings(findings, text);
    }),
    // A completed key block ends in "-----", which the token alphabet would hold from its middle.
    holdFrom(text) {
      const from = Math.min(keyBlockHold(text), trailingRun(text, inTokenAlphabet, maxToken));
      return settledHold(tailFindings(detector, text, from, maxKeyBlock), from);
    },
    // A quiet text has no required text (anyShapeRequired is a sign), so no part of it holds a finding
    // to settle on, nor a whole "-----BEGIN " (the key block hold's first case); a trailing prefix of
    // the marker without its closing space is "-" and letters, inside the trailing token run.
    quiet: { digitRun: Number.POSITIVE_INFINITY, holdFrom: (text) => trailingRun(text, inTokenAlphabet, maxToken) },
  };
  return detector;
}
