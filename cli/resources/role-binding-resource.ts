// The RoleBinding resource in the resource file: read, printed back, and its table columns.
import { create } from "@bufbuild/protobuf";
import { type Resource, ResourceSchema, Role, type RoleBinding, RoleBindingSchema } from "../../gen/palisade/admin/v1/resources_pb.js";
import type { Columns } from "../output.js";
import type { MappingFields } from "./yaml-fields.js";

const ROLES: ReadonlyArray<[string, Role]> = [
  ["admin", Role.ADMIN], ["approver", Role.APPROVER], ["auditor", Role.AUDITOR], ["viewer", Role.VIEWER],
];

/** The fields a RoleBinding takes besides kind and name. */
export const ROLE_BINDING_FIELDS = ["role", "groups", "subjects"] as const;

/** Reads a RoleBinding document; the server checks that it names a group or subject. */
export function readRoleBinding(fields: MappingFields, name: string): Resource {
  const roleText = fields.string("role", true);
  const role = ROLES.find(([text]) => text === roleText)?.[1];
  if (role === undefined) {
    throw fields.errorAt("role", `unknown role "${roleText}" (one of ${ROLES.map(([text]) => text).join(", ")})`);
  }
  const binding = create(RoleBindingSchema, { name, role, groups: fields.strings("groups"), subjects: fields.strings("subjects") });
  return create(ResourceSchema, { resource: { case: "roleBinding", value: binding } });
}

/** A RoleBinding in file format (without times; the caller adds them). */
export function roleBindingView(binding: RoleBinding): Record<string, unknown> & { kind: string; name: string } {
  return {
    kind: "RoleBinding",
    name: binding.name,
    role: ROLES.find(([, role]) => role === binding.role)?.[0] ?? "unspecified",
    ...(binding.groups.length > 0 ? { groups: [...binding.groups] } : {}),
    ...(binding.subjects.length > 0 ? { subjects: [...binding.subjects] } : {}),
  };
}

/** Table columns of role bindings. */
export const ROLE_BINDING_COLUMNS: Columns<Record<string, unknown> & { name: string }> = [
  ["name", (r) => r.name],
  ["role", (r) => String(r.role ?? "")],
  ["groups", (r) => (Array.isArray(r.groups) ? r.groups.join(",") : "")],
  ["subjects", (r) => (Array.isArray(r.subjects) ? r.subjects.join(",") : "")],
];
