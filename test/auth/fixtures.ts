// Resources and callers shared by the auth suites.
import { create } from "@bufbuild/protobuf";
import { Code, ConnectError } from "@connectrpc/connect";
import { type Resource, ResourceSchema, Role } from "../../gen/palisade/admin/v1/resources_pb.js";

/** A RoleBinding resource. */
export function binding(name: string, role: Role, groups: string[] = [], subjects: string[] = []): Resource {
  return create(ResourceSchema, { resource: { case: "roleBinding", value: { name, role, groups, subjects } } });
}

/** The bindings every auth suite starts from: one per role, by group or by subject. */
export const BINDINGS: Resource[] = [
  binding("admins", Role.ADMIN, ["palisade-admins"]),
  binding("approvers", Role.APPROVER, ["approvers"]),
  binding("auditors", Role.AUDITOR, [], ["audrey"]),
  binding("viewers", Role.VIEWER, ["viewers"]),
];

/** A service account resource. */
export function serviceAccount(name: string): Resource {
  return create(ResourceSchema, { resource: { case: "serviceAccount", value: { name, groups: ["bots"] } } });
}

/** How a call ended, as far as the gate is concerned. */
export type GateOutcome = "allowed" | "denied" | "unauthenticated";

/** Runs `call`; any answer other than PERMISSION_DENIED or UNAUTHENTICATED got past the gate. */
export async function gate(call: () => Promise<unknown>): Promise<{ outcome: GateOutcome; error?: ConnectError }> {
  try {
    await call();
    return { outcome: "allowed" };
  } catch (thrown) {
    const error = ConnectError.from(thrown);
    if (error.code === Code.PermissionDenied) return { outcome: "denied", error };
    if (error.code === Code.Unauthenticated) return { outcome: "unauthenticated", error };
    return { outcome: "allowed", error };
  }
}
