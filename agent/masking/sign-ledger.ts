// A stream's signs of a value, kept as its text arrives: each piece is read once (its characters,
// and SIGNS over it and the SIGN_LONGEST - 1 characters before it), and the ledger keeps where the
// last sign of each kind stands. A text stream then tells whether the text it is about to scan
// (look-behind + held tail + piece, a stretch of the stream ending at what was last read) is quiet
// (core/detectors/quiet-text.ts) by three comparisons, without reading it again: when it is, no
// detector of the reply's sets can find anything in it and their holds are their quiet holds.
import { QUIET_CHARACTERS, SIGN_LONGEST, SIGNS } from "../../core/detectors/quiet-text.js";

export class SignLedger {
  /** Characters read so far (offsets below are in the stream's text as read). */
  read = 0;
  private lastCharacter = -1; // the last character that is no quiet one (or an `@`)
  private lastSign = -1; // the start of the last SIGNS match
  private lastDigits = -1; // the last digit that was the digitRun-th or later of its stretch without ASCII letters
  private run = 0; // digits in the current stretch without ASCII letters
  private recent = ""; // the last SIGN_LONGEST - 1 characters read

  constructor(private readonly digitRun: number) {}

  /** Reads the next piece of the stream. */
  push(piece: string): void {
    const at = this.read;
    for (let index = 0; index < piece.length; index++) {
      const code = piece.charCodeAt(index);
      if (code >= 48 && code <= 57) {
        if (++this.run >= this.digitRun) this.lastDigits = at + index;
      } else if ((code | 32) >= 97 && (code | 32) <= 122) this.run = 0;
      else if (code >= 128 || QUIET_CHARACTERS[code] === 0) this.lastCharacter = at + index;
    }
    // A match ending in the piece starts at most SIGN_LONGEST - 1 characters before it; every
    // match starting earlier lay in text read before and was counted then. Every start is tried
    // (a match may begin inside another), so lastSign is the last start of any match.
    const window = this.recent + piece;
    const base = at - this.recent.length;
    SIGNS.lastIndex = 0;
    for (let match = SIGNS.exec(window); match !== null; match = SIGNS.exec(window)) {
      this.lastSign = base + match.index;
      SIGNS.lastIndex = match.index + 1;
    }
    this.read = at + piece.length;
    this.recent = window.length < SIGN_LONGEST ? window : window.slice(window.length - (SIGN_LONGEST - 1));
  }

  /** Whether the stream's text from `from` to what was last read is quiet. */
  quietFrom(from: number): boolean {
    return this.lastCharacter < from && this.lastSign < from && this.lastDigits < from;
  }
}
