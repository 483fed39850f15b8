// A vitest reporter: after the run, how many tests of each requirement tag ran and were skipped
// (so a log shows that the PostgreSQL, Redis and browser tests did run), and a failed run when a
// service CI requires (PALISADE_TEST_REQUIRE, set by .ci/run for the whole suite) had a tagged test
// skipped or none ran at all.
import type { Reporter, TestModule } from "vitest/node";
import { REQUIREMENTS, requiredServices } from "./requirements.js";

export default class RequirementsReporter implements Reporter {
  onTestRunEnd(testModules: ReadonlyArray<TestModule>): void {
    const counts = new Map(REQUIREMENTS.map(({ name }) => [name, { ran: 0, skipped: 0 }]));
    for (const module of testModules) {
      for (const test of module.children.allTests()) {
        const state = test.result().state;
        for (const tag of test.tags) {
          const count = counts.get(tag as never);
          if (!count) continue;
          if (state === "skipped") count.skipped += 1;
          else if (state !== "pending") count.ran += 1;
        }
      }
    }
    const required = requiredServices();
    const problems: string[] = [];
    const line = [...counts].map(([name, { ran, skipped }]) => `${name} ${ran} ran, ${skipped} skipped${required.has(name) ? " (required)" : ""}`).join("; ");
    process.stdout.write(`\ntests needing a service: ${line}\n`);
    for (const name of required) {
      const { ran, skipped } = counts.get(name)!;
      if (skipped > 0) problems.push(`${skipped} ${name} test(s) were skipped although ${name} is required`);
      if (ran === 0) problems.push(`no ${name} test ran although ${name} answered (a gate or a tag is wrong)`);
    }
    if (problems.length > 0) throw new Error(`requirements not met: ${problems.join("; ")}`);
  }
}
