// Through a real control plane and the CLI: RoleBinding resource files, `get rolebindings`,
// `delete rolebinding`, and the CLI used with a caller JWT instead of the admin token.
import { beforeAll, describe, expect, it } from "vitest";
import { runPalisade } from "../cli/test-context.js";
import { eventually } from "../support/eventually.js";
import { palisade, useControlPlaneBed } from "../support/control-plane-bed.js";

describe("role bindings through the CLI", () => {
  const { env: admin } = useControlPlaneBed();
  const as = (token: string) => ({ ...admin, PALISADE_TOKEN: token });

  beforeAll(async () => {
    await palisade(admin, ["apply", "-f", "-"], `kind: RoleBinding
name: platform-admins
role: admin
groups: [platform]
---
kind: RoleBinding
name: readers
role: viewer
groups: [everyone]
subjects: [carol@example.com]
`);
  });

  it("lists and prints role bindings in the resource file format", async () => {
    const table = await palisade(admin, ["get", "rolebindings"]);
    expect(table).toMatch(/platform-admins\s+admin\s+platform/);
    expect(table).toMatch(/readers\s+viewer\s+everyone\s+carol@example.com/);
    const yaml = await palisade(admin, ["get", "rb", "readers", "-o", "yaml"]);
    expect(yaml).toContain("kind: RoleBinding");
    expect(yaml).toContain("role: viewer");
    // What `get -o yaml` prints applies again, unchanged.
    expect(await palisade(admin, ["apply", "-f", "-"], yaml)).toMatch(/unchanged/);
  });

  it("refuses an unknown role in the file, naming the line", async () => {
    const run = await runPalisade(["apply", "-f", "-"], admin, "kind: RoleBinding\nname: x\nrole: owner\ngroups: [a]\n");
    expect(run.code).toBe(1);
    expect(run.stderr).toMatch(/line 3.*unknown role "owner" \(one of admin, approver, auditor, viewer\)/);
  });

  it("lets a caller JWT act with the roles its groups hold", async () => {
    const viewer = (await palisade(admin, ["token", "create", "--subject", "carol@example.com"])).trim();
    const operator = (await palisade(admin, ["token", "create", "--subject", "olga", "--groups", "platform"])).trim();
    // The binding applied above is in force once this replica's cache has caught up.
    await eventually("the viewer to read", async () => ((await runPalisade(["get", "rolebindings"], as(viewer))).code === 0 ? true : undefined));
    const refused = await runPalisade(["apply", "-f", "-"], as(viewer), "kind: ServiceAccount\nname: by-carol\n");
    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain("permission_denied: ResourceService.Apply requires role admin; carol@example.com holds only viewer");
    await palisade(as(operator), ["apply", "-f", "-"], "kind: ServiceAccount\nname: by-olga\n");
    await palisade(as(operator), ["delete", "rolebinding", "readers"]);
    await eventually("carol to lose her role", async () => {
      const run = await runPalisade(["get", "rolebindings"], as(viewer));
      return run.code === 1 && run.stderr.includes("holds no role") ? true : undefined;
    });
    const bad = await runPalisade(["get", "rolebindings"], as(`${viewer.slice(0, -4)}AAAA`));
    expect(bad.stderr).toMatch(/not authorised: invalid caller token: token signature invalid/);
  });
});
