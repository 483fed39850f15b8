// Content-rule patterns are run by every agent over every prompt, which callers control: a pattern
// that backtracks super-linearly would let one request stall an agent. Each pattern must compile as
// the agent compiles it (ECMAScript, no flags) and pass recheck's ReDoS analysis.
import { check } from "recheck";
import type { Resource } from "../gen/palisade/admin/v1/resources_pb.js";
import { invalid } from "./admin/input-checks.js";

/** Patterns longer than this are refused before analysis (they would only slow apply down). */
export const MAX_PATTERN_LENGTH = 1024;

// Per-analysis budget. recheck runs its native binary when installed (milliseconds) and falls back
// to its pure-JS build (seconds for some patterns); a pattern it cannot settle is refused rather
// than trusted.
const CHECK_TIMEOUT_MS = 10_000;

/** Why `pattern` does not compile as the agent compiles it, or undefined when it does. */
export function patternSyntaxProblem(pattern: string): string | undefined {
  if (pattern === "") return "is empty";
  if (pattern.length > MAX_PATTERN_LENGTH) return `is longer than ${MAX_PATTERN_LENGTH} characters`;
  try {
    new RegExp(pattern);
    return undefined;
  } catch (error) {
    // V8's message repeats the pattern ("Invalid regular expression: /…/: reason"); keep the reason.
    const reason = error instanceof Error ? error.message.replace(/^Invalid regular expression: \/.*\/[a-z]*: /s, "") : "";
    return `is not a valid regular expression: ${reason}`;
  }
}

// Verdicts of recent patterns: applying the same file again (or `get -o yaml | apply`) is common,
// and an analysis can take seconds. Bounded; the oldest verdict goes first.
const verdicts = new Map<string, Promise<string | undefined>>();
const MAX_VERDICTS = 1000;

/** Why a valid `pattern` is unsafe to run on untrusted text, or undefined when it is safe. */
export function patternBacktrackingProblem(pattern: string): Promise<string | undefined> {
  let verdict = verdicts.get(pattern);
  if (!verdict) {
    verdict = analyse(pattern);
    verdicts.set(pattern, verdict);
    // A failed analysis (recheck itself broke) is not remembered.
    verdict.catch(() => verdicts.delete(pattern));
    if (verdicts.size > MAX_VERDICTS) verdicts.delete(verdicts.keys().next().value!);
  }
  return verdict;
}

async function analyse(pattern: string): Promise<string | undefined> {
  // The automaton checker proves its verdict and gives the same one on a busy machine; fuzzing (the
  // fallback, for what the automaton cannot settle in time) depends on time budgets.
  let diagnosis = await check(pattern, "", { timeout: CHECK_TIMEOUT_MS, checker: "automaton" });
  if (diagnosis.status === "unknown") diagnosis = await check(pattern, "", { timeout: CHECK_TIMEOUT_MS });
  if (diagnosis.status === "safe") return undefined;
  if (diagnosis.status === "vulnerable") {
    const { complexity } = diagnosis;
    const growth = complexity.type === "exponential" ? "exponentially" : `polynomially (degree ${complexity.degree})`;
    return `can backtrack catastrophically (matching time grows ${growth} with the prompt); bound its repetitions, for example \\d{1,10} instead of \\d+`;
  }
  return "could not be proven safe from catastrophic backtracking; simplify it";
}

/** Throws INVALID_ARGUMENT naming the policy and pattern (or maskPattern) index of the first unsafe one. */
export async function checkPolicyPatterns(resources: readonly Resource[]): Promise<void> {
  const jobs: Promise<string | undefined>[] = [];
  for (const resource of resources) {
    if (resource.resource.case !== "policy") continue;
    const policy = resource.resource.value;
    for (const [index, pattern] of (policy.match?.patterns ?? []).entries()) {
      jobs.push(patternBacktrackingProblem(pattern).then((problem) =>
        problem && `policy "${policy.name}": pattern ${index + 1} ${problem}`));
    }
    // Mask patterns run over every request and response text (streamed ones too): same analysis.
    for (const [index, pattern] of policy.maskPatterns.entries()) {
      jobs.push(patternBacktrackingProblem(pattern).then((problem) =>
        problem && `policy "${policy.name}": maskPattern ${index + 1} ${problem}`));
    }
  }
  const problems = await Promise.all(jobs);
  const first = problems.find((problem) => problem !== undefined);
  if (first) throw invalid(first);
}
