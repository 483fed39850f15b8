// What the policy CLI suites share: resource-file mistakes, each refused with its line, and the
// round trip of `get policies -o yaml` applied again.
import { expect, it } from "vitest";
import { parseResources } from "../../cli/resources/parse-resources.js";
import { runPalisade } from "../cli/test-context.js";

/** One test per case: parsing `text` fails with `message`, naming `line`. */
export function itLocatesMistakes(cases: [text: string, line: number, message: RegExp][]): void {
  it.each(cases)("locates mistakes: %j", (text, line, message) => {
    expect(() => parseResources(text)).toThrow(message);
    expect(() => parseResources(text)).toThrow(`(line ${line})`);
  });
}

/** Applies what `get policies -o yaml` prints, fails the test if that fails, and returns what `apply` said. */
export async function reapplyPolicies(env: Record<string, string>): Promise<string> {
  const yaml = await runPalisade(["get", "policies", "-o", "yaml"], env);
  const again = await runPalisade(["apply", "-f", "-"], env, yaml.stdout);
  expect(again, again.stderr).toMatchObject({ code: 0 });
  return again.stdout;
}
