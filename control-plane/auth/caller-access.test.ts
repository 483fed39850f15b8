import { describe, expect, it } from "vitest";
import type { StoredRoleBinding } from "../storage/resources/role-bindings.js";
import { rolesOf } from "./caller-access.js";

describe("rolesOf", () => {
  const bindings: StoredRoleBinding[] = [
    { name: "a", role: "viewer", groups: ["eng"], subjects: [] },
    { name: "b", role: "admin", groups: [], subjects: ["root"] },
    { name: "c", role: "auditor", groups: ["sec", "eng"], subjects: [] },
    { name: "d", role: "viewer", groups: ["ops"], subjects: [] },
  ];

  it("unites the roles of every binding naming the subject or one of the groups", () => {
    expect(rolesOf({ subject: "ann", groups: ["eng"] }, bindings)).toEqual(["auditor", "viewer"]);
    expect(rolesOf({ subject: "root", groups: ["ops"] }, bindings)).toEqual(["admin", "viewer"]);
  });

  it("gives no role to a caller no binding names", () => {
    expect(rolesOf({ subject: "eve", groups: ["Eng", "root"] }, bindings)).toEqual([]);
  });
});
