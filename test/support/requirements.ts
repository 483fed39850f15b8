// Services a test needs beyond the embedded database, named once. A suite that needs one says so
// with a vitest tag (`describe("…", { tags: ["postgres"] }, …)`); the requirements reporter prints
// how many tagged tests ran and were skipped. CI names the services that answered in
// PALISADE_TEST_REQUIRE (.ci/run): then a tagged test that is skipped, or a service whose tagged
// tests all vanished, fails the run, and a gate below throws instead of quietly answering "absent".

/** A service some tests need. */
export type Requirement = "postgres" | "redis" | "chromium";

/** Every requirement, with what it means (vitest's tag list). */
export const REQUIREMENTS: ReadonlyArray<{ name: Requirement; description: string }> = [
  { name: "postgres", description: "needs the local PostgreSQL at 127.0.0.1:5432" },
  { name: "redis", description: "needs the local Redis at 127.0.0.1:6379" },
  { name: "chromium", description: "needs Debian's Chromium at /usr/bin/chromium" },
];

/** The requirements CI found available and so insists on (PALISADE_TEST_REQUIRE, space or comma separated). */
export function requiredServices(env: NodeJS.ProcessEnv = process.env): Set<Requirement> {
  const named = (env.PALISADE_TEST_REQUIRE ?? "").split(/[\s,]+/).filter(Boolean);
  return new Set(REQUIREMENTS.map((r) => r.name).filter((name) => named.includes(name)));
}

/** Whether CI insists on `requirement`: a test needing it must then fail rather than skip. */
export function isRequired(requirement: Requirement): boolean {
  return requiredServices().has(requirement);
}

/**
 * The answer of a probe for `requirement`, unless CI insists on it: then an absent service is an
 * error (the test fails, naming it) rather than a reason to skip.
 */
export async function gate(requirement: Requirement, available: () => Promise<boolean>): Promise<boolean> {
  if (await available()) return true;
  if (isRequired(requirement)) {
    throw new Error(`${requirement} is not available, but CI found it and requires it (PALISADE_TEST_REQUIRE=${process.env.PALISADE_TEST_REQUIRE})`);
  }
  return false;
}
