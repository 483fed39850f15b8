// E-mail addresses: a dot-atom local part (RFC 5322 without quoted strings or comments), "@", and a
// domain of DNS labels ending in an alphabetic top-level label. Found from each "@": the local
// part is what stands before it of [A-Za-z0-9._%+-], at most the 64 characters RFC 5321 allows,
// beginning with a letter or digit and after the last ".." — so an address glued to a longer run
// (`bbbb…bbzoe.quill@…`, `x..zoe.quill@…`) is found, its last 64 characters of local part masked,
// instead of the whole candidate being refused. A TLD that is a file extension is no TLD: an asset
// written with a density suffix (`icon@2x.png`) is not an address, and a file named after one
// (`jane@example.com.txt`) holds the address without its extension. At most 254 characters.
// Addresses written to hide them (`jane dot doe [at] example dot com`): email-obfuscated.ts.
import { alphabet, settledHold, tailFindings, trailingRun, type Detector, type Finding } from "./detector.js";
import { ASSET_EXTENSIONS, findObfuscated, hasObfuscationSign, obfuscatedHold } from "./email-obfuscated.js";
import { mergeFindings } from "./merge-findings.js";

const asset = `(?:${ASSET_EXTENSIONS.join("|")})(?![A-Za-z0-9-])`;
const label = "[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?";
// The domain right after "@": it ends at its TLD; a file extension after it (`jane@example.com.txt`,
// a file named after an address) is not part of it, but an address never ends in one (`icon@2x.png`).
const domain = new RegExp(`(?:${label}\\.)+(?!${asset})[A-Za-z]{2,63}(?![A-Za-z0-9-]|\\.(?!${asset})[A-Za-z0-9])`, "y");

const MAX_LOCAL = 64;
const MAX_LENGTH = 254;
const inLocal = alphabet("A-Za-z0-9._%+-");
const inAlphabet = alphabet("A-Za-z0-9._%+@-");
const isAlphanumeric = (code: number) => (code >= 48 && code <= 57) || ((code | 32) >= 97 && (code | 32) <= 122);

// Where the local part before the "@" at `at` starts (`at` when there is none), not before `floor`.
function localStart(text: string, at: number, floor: number): number {
  let start = at;
  while (start > floor && at - start < MAX_LOCAL && inLocal(text.charCodeAt(start - 1))) start--;
  const dots = text.lastIndexOf("..", at - 1);
  if (dots >= start) start = dots + 2;
  while (start < at && !isAlphanumeric(text.charCodeAt(start))) start++;
  return start;
}

function find(text: string): Finding[] {
  const plain = findPlain(text);
  const obfuscated = findObfuscated(text);
  return obfuscated.length === 0 ? plain : mergeFindings([...plain, ...obfuscated], text);
}

function findPlain(text: string): Finding[] {
  const findings: Finding[] = [];
  let floor = 0; // the end of the last finding: findings never overlap
  for (let at = text.indexOf("@"); at >= 0; at = text.indexOf("@", at + 1)) {
    if (at < floor) continue;
    const start = localStart(text, at, floor);
    // The local part ends with no dot (dot-atom).
    if (start === at || text.charCodeAt(at - 1) === 46) continue;
    domain.lastIndex = at + 1;
    const match = domain.exec(text);
    if (!match) continue;
    const end = at + 1 + match[0].length;
    if (end - start > MAX_LENGTH) continue;
    findings.push({ detector: "email", start, end, value: text.slice(start, end) });
    floor = end;
  }
  return findings;
}

/** The e-mail detector. */
export function emailDetector(): Detector {
  const detector: Detector = {
    name: "email",
    maxLength: MAX_LENGTH,
    find,
    holdFrom(text) {
      const run = trailingRun(text, inAlphabet, MAX_LENGTH);
      const hidden = obfuscatedHold(text);
      if (hidden >= run && !hasObfuscationSign(text)) return run;
      // An obfuscated address (found, or still being written) may reach across the run's start, or start inside an address found whole: hold from its start.
      const hold = Math.min(run, hidden);
      return settledHold(tailFindings(detector, text, hold, MAX_LENGTH), hold);
    },
    // A quiet text has no `@` and no obfuscation sign, which find() needs: no part of it holds a finding.
    quiet: { digitRun: Number.POSITIVE_INFINITY, holdFrom: (text) => Math.min(trailingRun(text, inAlphabet, MAX_LENGTH), obfuscatedHold(text)) },
  };
  return detector;
}
