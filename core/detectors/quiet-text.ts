// Quiet texts: what a stream's pieces mostly are (` tok245`, prose, code) and what no built-in
// detector it applies to can find anything in. A text is quiet for a detector set when
//
//   - every character is plain: ASCII that neither detector view changes (no `%`, `&`, `\`, `*`,
//     `` ` ``, `<`, no control character but tab and line breaks), so the detector view is the
//     text itself and the rendered view is none (core/text/normalise.ts), no JSON escape is decoded
//     (agent/masking/escape-view.ts) and no placeholder can stand in it (they open with `<`);
//   - it holds no `@`;
//   - SIGNS matches nowhere in it: an obfuscation sign (e-mail), a secret shape's required text,
//     an exponent (`4e15`: a card written as a number);
//   - no stretch without ASCII letters holds the set's digitRun ASCII digits (the phone's six, the
//     SSN's nine, the card's thirteen: mostDigitsWithoutLetters, which the phone's and card's find()
//     ask first; an SSN is nine digits apart only by separators).
//
// Each built-in with a QuietReading (detector.ts) promises that find() of a quiet text, and of every
// part of it (a part of a quiet text is quiet), is empty, and says what holdFrom() is then. Every
// test above is about characters or short runs of them, so a stream can keep them as it reads each
// piece once (agent/masking/sign-ledger.ts) instead of every detector rescanning its look-behind.
import { OBFUSCATION_SIGN_LONGEST, obfuscationSign } from "./email-obfuscated.js";
import { anyShapeRequired, SECRET_REQUIRED_LONGEST } from "./secrets.js";
import type { QuietReading } from "./detector.js";

/** 1 for the char codes a quiet text may hold (the `@` excepted: it is a sign). */
export const QUIET_CHARACTERS: Uint8Array = (() => {
  const table = new Uint8Array(128);
  const plain = /^[\t\n\r\x20-\x24\x27-\x29\x2b-\x3b\x3d-\x3f\x41-\x5b\x5d-\x5f\x61-\x7e]$/;
  for (let code = 0; code < 128; code++) table[code] = plain.test(String.fromCharCode(code)) ? 1 : 0;
  return table;
})();

const EXPONENT = /\d[eE][+-]?\d/;

/**
 * Every sign but characters and digit runs, for every modelled detector at once (a set without
 * e-mail then reads `dot` as a sign too: it only costs the set a full scan). No anchors or
 * lookarounds: whether it matches at an index depends only on the characters from there.
 */
export const SIGNS: RegExp = new RegExp([obfuscationSign.source, anyShapeRequired.source, EXPONENT.source].join("|"), "gi");

/** The longest text SIGNS can match (a bound): a match ending in new text starts at most this many less one characters before it. */
export const SIGN_LONGEST = Math.max(OBFUSCATION_SIGN_LONGEST, SECRET_REQUIRED_LONGEST + 1, 4);

/** One reading for a set whose every detector has one: the fewest digits any of them reads as a sign, the earliest hold. */
export function setReading(readings: readonly QuietReading[]): QuietReading {
  if (readings.length === 1) return readings[0];
  const digitRun = Math.min(Number.POSITIVE_INFINITY, ...readings.map((reading) => reading.digitRun));
  return {
    digitRun,
    holdFrom(text) {
      let hold = text.length;
      for (const reading of readings) hold = Math.min(hold, reading.holdFrom(text));
      return hold;
    },
  };
}
