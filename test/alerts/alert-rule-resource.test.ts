// `kind: AlertRule` through the CLI and the ResourceService: durations as people type them,
// defaults from resources.proto filled in and shown by `get`, mistakes refused with the field named.
import { describe, expect, it } from "vitest";
import { parse } from "yaml";
import { runPalisade } from "../cli/test-context.js";
import { palisade, useControlPlaneBed } from "../support/control-plane-bed.js";

const { env } = useControlPlaneBed();

describe("AlertRule resources", () => {
  it("applies rules of every condition and shows them with their defaults", async () => {
    await palisade(env, ["apply", "-f", "-"], `kind: AlertRule
name: token-burst
tokenSpike: { window: 5m, factor: 2.5 }
autoBlock: { for: 1h }
webhook: https://hooks.example.com/palisade
description: tokens far above the caller's own habit
---
kind: AlertRule
name: refusals
repeatedViolations: { count: 3 }
---
kind: AlertRule
name: new-model
unusualModel: {}
---
kind: AlertRule
name: busy
requestRateSpike: { window: 30s, baseline: 2h, minRequests: 50 }
autoBlock: {}
`);
    const rules = parse(await palisade(env, ["get", "alertrules", "-o", "json"])) as Array<Record<string, unknown>>;
    expect(rules.map((rule) => rule.name)).toEqual(["busy", "new-model", "refusals", "token-burst"]);
    const byName = Object.fromEntries(rules.map((rule) => [rule.name, rule]));
    expect(byName["token-burst"]).toMatchObject({
      kind: "AlertRule",
      tokenSpike: { window: "5m", baseline: "1h", factor: 2.5, minTokens: 1000 },
      autoBlock: { for: "1h" },
      webhook: "https://hooks.example.com/palisade",
    });
    expect(byName.refusals).toMatchObject({ repeatedViolations: { count: 3, window: "10m" } });
    expect(byName["new-model"]).toMatchObject({ unusualModel: { baseline: "7d" } });
    expect(byName.busy).toMatchObject({ requestRateSpike: { window: "30s", baseline: "2h", factor: 5, minRequests: 50 }, autoBlock: { for: "1h" } });

    // `get -o yaml` output applies again, unchanged.
    const yaml = await palisade(env, ["get", "alertrule", "token-burst", "-o", "yaml"]);
    expect(await palisade(env, ["apply", "-f", "-"], yaml)).toContain("unchanged");
    expect(await palisade(env, ["get", "alertrules"])).toMatch(/token-burst\s+tokenSpike\s+window=5m baseline=1h factor=2.5 minTokens=1000\s+1h/);
  });

  it("refuses a rule with no condition, two conditions or values out of range", async () => {
    const cases: Array<[string, RegExp]> = [
      ["kind: AlertRule\nname: empty\n", /set exactly one condition/],
      ["kind: AlertRule\nname: two\ntokenSpike: {}\nunusualModel: {}\n", /set exactly one condition/],
      ["kind: AlertRule\nname: bad-window\ntokenSpike: { window: 5 minutes }\n", /invalid duration "5 minutes"/],
      ["kind: AlertRule\nname: short\ntokenSpike: { window: 2h, baseline: 1h }\n", /baseline must be at least as long as window/],
      ["kind: AlertRule\nname: hook\nunusualModel: {}\nwebhook: ftp://x\n", /webhook must be an http\(s\) URL/],
      ["kind: AlertRule\nname: hook\nunusualModel: {}\nwebhook: http://hooks.example.com/x\n", /webhook must be https \(http only to localhost/],
      ["kind: AlertRule\nname: factor\ntokenSpike: { factor: 0.5 }\n", /factor must be between 1 and/],
    ];
    for (const [file, message] of cases) {
      const run = await runPalisade(["apply", "-f", "-"], env, file);
      expect(run.code, file).not.toBe(0);
      expect(run.stderr, file).toMatch(message);
    }
  });

  it("deletes a rule", async () => {
    await palisade(env, ["delete", "alertrule", "busy"]);
    const names = (parse(await palisade(env, ["get", "alertrules", "-o", "json"])) as Array<{ name: string }>).map((rule) => rule.name);
    expect(names).not.toContain("busy");
  });
});
