// What compiled detector sets promise about plain prose their quick test says no to
// (CompiledDetectors.proseReach): no part of it may hold anything, and such texts joined are read
// by the quick test only within proseReach characters of each join. agent/inspection/slot-masker.ts
// relies on it to ask the quick test of a join only near the join.
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { compileDetectors, isPlainProse } from "./compile-detectors.js";
import { OBFUSCATION_SIGN_LONGEST, obfuscationSign } from "./email-obfuscated.js";
import { SECRET_REQUIRED_LONGEST, secretRequiredExpression } from "./secrets.js";
import { SIGN_LONGEST, SIGNS } from "./quiet-text.js";

// The longest text an expression of literals, escapes, classes, groups, alternatives and `?` matches.
function longest(source: string): number {
  let at = 0;
  const alternation = (): number => {
    let best = sequence();
    while (source[at] === "|") {
      at++;
      best = Math.max(best, sequence());
    }
    return best;
  };
  const sequence = (): number => {
    let total = 0;
    while (at < source.length && source[at] !== "|" && source[at] !== ")") {
      total += atom();
      if (source[at] === "?") at++;
      if (at < source.length && "*+{".includes(source[at]!)) throw new Error(`unbounded or counted repeat at ${at} of ${source}`);
    }
    return total;
  };
  const atom = (): number => {
    const char = source[at]!;
    if (char === "(") {
      if (source.startsWith("(?", at) && !source.startsWith("(?:", at)) throw new Error(`lookaround or named group at ${at} of ${source}`);
      at += source.startsWith("(?:", at) ? 3 : 1;
      const inner = alternation();
      at++;
      return inner;
    }
    if (char === "[") {
      at = source.indexOf("]", at + 1) + 1;
      return 1;
    }
    if (char === "^" || char === "$") throw new Error(`anchor in ${source}`);
    at += char === "\\" ? 2 : 1;
    return 1;
  };
  return alternation();
}

// Prose with pieces of every secret's required text (in either case), and what is not plain prose.
const pieces = [
  "the", " ", "risk", ", ", ". ", "-", "_", "sk", "SK", "k-", "ant-", "A", "a", "KI", "kia", "IA", "SIA", "aws", "_secret", "secret_", "access", "_key", "key",
  "[", "(at", ")", "{", "}", "at", "AT", "t]", "do", "DOT", "t", "d", " dot ", "[ at ]",
  "gh", "p_", "git", "hub_pat_", "xo", "x", "ox", "hooks", ".slack", ".com", "ey", "J", "j", "-----", "BEG", "IN", "begin", "1", "@", ":", "<b>", "<!--", "-->", "*", "*".repeat(20), "é", "\u0001",
];
// A few pieces, so that a required text split by markup inside a comment ("<!--AKI<b>A-->") comes up.
const markup = ["<!--", "-->", "A", "KI", "<b>", "IA", "x", " "];
const text = fc.oneof(fc.array(fc.constantFrom(...pieces), { maxLength: 14 }), fc.array(fc.constantFrom(...markup), { maxLength: 8 })).map((parts) => parts.join(""));
const sets = [
  compileDetectors({ builtins: ["email", "phone", "payment-card", "secrets"], patterns: [], words: [] }),
  compileDetectors({ builtins: ["email", "ip-address", "secrets", "iban"], patterns: [], words: [] }),
  compileDetectors({ builtins: ["email", "us-ssn"], patterns: [], words: [] }),
  compileDetectors({ builtins: ["phone", "us-ssn"], patterns: [], words: [] }),
];

describe("plain prose the quick test says no to", () => {
  it("quiet-text.ts's sign expression matches at most SIGN_LONGEST characters (a stream's sign ledger reads that far back)", () => {
    expect(longest(SIGNS.source)).toBeLessThanOrEqual(SIGN_LONGEST);
  });

  it("has a reach that covers the longest required text of a secret", () => {
    expect(longest(secretRequiredExpression.source)).toBeLessThanOrEqual(SECRET_REQUIRED_LONGEST);
    expect(secretRequiredExpression.test("AWS_SECRET_ACCESS_KEY")).toBe(true);
    expect(longest(obfuscationSign.source)).toBeLessThanOrEqual(OBFUSCATION_SIGN_LONGEST);
    expect(obfuscationSign.test("jane [at] x")).toBe(true);
    expect(sets.map((set) => set.proseReach)).toEqual([SECRET_REQUIRED_LONGEST - 1, SECRET_REQUIRED_LONGEST - 1, OBFUSCATION_SIGN_LONGEST - 1, 0]);
    expect(compileDetectors({ builtins: ["secrets"], patterns: ["x"], words: [] }).proseReach).toBeUndefined();
  });

  it("holds nothing in any part, and joined is read only within the reach of each join", () => {
    fc.assert(fc.property(fc.array(text, { minLength: 1, maxLength: 4 }), fc.nat(), fc.nat(), check), { numRuns: 2000 });
    // What keeps markup and hidden characters out of plain prose: a comment hides a required text
    // split by a tag (its part does not), hidden characters stretch one past any reach.
    check(["<!--AKI<b>A-->", "x"], 4, 11);
    check([`A${"*".repeat(30)}`, "KIA"], 0, 1);
    check([`A${"\u0001".repeat(30)}`, "KIA"], 0, 1);
  });
});

describe("the quick test of a text known to be plain prose (mayFindProse)", () => {
  // Every mix of the two things the quick test reads in prose: with and without secrets, with and without e-mail.
  const mixes = [...sets, compileDetectors({ builtins: ["secrets"], patterns: [], words: [] }), compileDetectors({ builtins: ["secrets", "ip-address"], patterns: [], words: [] })];

  it("says what mayFind says of it, short and long", () => {
    fc.assert(
      fc.property(text, fc.constantFrom(1, 40), (piece, times) => {
        const prose = piece.repeat(times);
        fc.pre(isPlainProse(prose));
        for (const set of mixes) expect(set.mayFindProse!(prose), prose).toBe(set.mayFind(prose));
      }),
      { numRuns: 1500 },
    );
    for (const set of mixes) for (const prose of ["the board", "aws_secret_access_key", "jane dot doe", "x (at) y", "sk-proj", ""]) expect(set.mayFindProse!(prose), prose).toBe(set.mayFind(prose));
  });

  it("is there where proseReach is", () => {
    for (const set of mixes) expect(set.mayFindProse).toBeDefined();
    expect(compileDetectors({ builtins: ["email"], patterns: ["x"], words: [] }).mayFindProse).toBeUndefined();
  });
});

function check(texts: string[], from: number, to: number): void {
  for (const set of sets) {
    const clean = texts.filter((part) => isPlainProse(part) && !set.mayFind(part));
    for (const part of clean) {
      const [start, end] = [from % (part.length + 1), to % (part.length + 1)].sort((a, b) => a - b);
      expect(set.mayFind(part.slice(start, end)), part).toBe(false);
    }
    if (clean.length < 2) continue;
    const reach = set.proseReach!;
    const joined = clean.join("");
    let near = false;
    for (let join = 0, index = 0; index < clean.length - 1; index++) {
      join += clean[index]!.length;
      near ||= set.mayFind(joined.slice(Math.max(0, join - reach), join + reach));
    }
    expect(set.mayFind(joined), JSON.stringify(clean)).toBe(near);
  }
}
