// Many policies' patterns tried in one scan of a text: `(?:a)|(?:b)|…` matches a text exactly when
// one of them does (a match of the union at a position is a match of one alternative there, and
// each alternative reads only the text: its lookarounds, `\b` and anchors see the same input). That
// holds for patterns whose meaning does not depend on the groups of the others: not for a
// backreference (`\1` counts the groups of every pattern before it, and without a group of that
// number it is an octal escape) nor a named group or `\k` (names shared across patterns; `\k` is
// an identity escape only where no group is named) — those are tried on their own. A text the union
// finds nothing in holds no match of those patterns (the common case); where it finds one, each
// pattern is tried on its own, as before.

import { warmed } from "./needle-set.js";

const dependsOnOtherGroups = /\\[1-9k]|\(\?<(?![=!])/;

/** Whether `source` means in a union what it means on its own (see the header). */
export function combinable(source: string): boolean {
  return !dependsOnOtherGroups.test(source);
}

/** One expression matching a text exactly when one of `sources` (each combinable, valid on its own) does; undefined when V8 refuses it (too large). */
export function patternUnion(sources: readonly string[]): RegExp | undefined {
  if (sources.length === 0) return undefined;
  try {
    return warmed(new RegExp(sources.map((source) => `(?:${source})`).join("|")));
  } catch {
    return undefined;
  }
}
