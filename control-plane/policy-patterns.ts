// Content-rule patterns are run by every agent over every prompt, which callers control: a pattern
// that backtracks super-linearly would let one request stall an agent. Each pattern must compile as
// the agent compiles it (ECMAScript, no flags) and pass recheck's ReDoS analysis.
import { checkSync } from "recheck";

// recheck's in-process Scala.js backend: no worker thread, no native binary, no Java; the same
// answer on every machine. Read by recheck at each call, so setting it here is enough.
process.env.RECHECK_SYNC_BACKEND ??= "pure";

/** Patterns longer than this are refused before analysis (they would only slow apply down). */
export const MAX_PATTERN_LENGTH = 1024;

// Per-pattern analysis budget; a pattern recheck cannot settle within it is refused.
const CHECK_TIMEOUT_MS = 2000;

/** Why `pattern` cannot be used as a content rule, or undefined when it can. */
export function patternProblem(pattern: string): string | undefined {
  if (pattern === "") return "is empty";
  if (pattern.length > MAX_PATTERN_LENGTH) return `is longer than ${MAX_PATTERN_LENGTH} characters`;
  try {
    new RegExp(pattern);
  } catch (error) {
    // V8's message repeats the pattern ("Invalid regular expression: /…/: reason"); keep the reason.
    const reason = error instanceof Error ? error.message.replace(/^Invalid regular expression: \/.*\/[a-z]*: /s, "") : "";
    return `is not a valid regular expression: ${reason}`;
  }
  const diagnosis = checkSync(pattern, "", { timeout: CHECK_TIMEOUT_MS });
  if (diagnosis.status === "safe") return undefined;
  if (diagnosis.status === "vulnerable") {
    const { complexity } = diagnosis;
    const growth = complexity.type === "exponential" ? "exponential" : `polynomial (degree ${complexity.degree})`;
    return `can backtrack catastrophically: matching time grows ${growth} with the input; bound its repetitions (for example \\d{1,10} instead of \\d+) or anchor it`;
  }
  return "could not be proven safe from catastrophic backtracking; simplify it";
}
