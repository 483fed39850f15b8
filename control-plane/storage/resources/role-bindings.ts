// Role bindings: which token groups or subjects hold which admin-API role.
import { create } from "@bufbuild/protobuf";
import { timestampFromDate } from "@bufbuild/protobuf/wkt";
import type { InferEntity } from "@mikro-orm/core";
import type { EntityManager } from "@mikro-orm/sql";
import { Kind, Role, type RoleBinding, RoleBindingSchema } from "../../../gen/palisade/admin/v1/resources_pb.js";
import { RoleBindingRow } from "../entities.js";
import { sameList } from "./resource-kind.js";
import { rowKind } from "./row-kind.js";

type Row = InferEntity<typeof RoleBindingRow>;

/** The stored (and resource-file) name of each role. */
export const ROLE_NAMES = new Map<Role, RoleName>([
  [Role.ADMIN, "admin"], [Role.APPROVER, "approver"], [Role.AUDITOR, "auditor"], [Role.VIEWER, "viewer"],
]);

/** An admin-API role by name. */
export type RoleName = "admin" | "approver" | "auditor" | "viewer";

/** The role a stored name denotes; UNSPECIFIED for anything unknown. */
export function roleFromName(name: string): Role {
  for (const [role, stored] of ROLE_NAMES) if (stored === name) return role;
  return Role.UNSPECIFIED;
}

/** A binding as the authoriser uses it. */
export interface StoredRoleBinding {
  name: string;
  role: RoleName;
  groups: readonly string[];
  subjects: readonly string[];
}

/** Every role binding, ordered by name (rows with an unknown role are skipped). */
export async function loadRoleBindings(em: EntityManager): Promise<StoredRoleBinding[]> {
  const rows = await em.find(RoleBindingRow, {}, { orderBy: { name: "asc" } });
  return rows.flatMap((row) => {
    const role = ROLE_NAMES.get(roleFromName(row.role));
    return role ? [{ name: row.name, role, groups: row.groups, subjects: row.subjects }] : [];
  });
}

function toMessage(row: Row): RoleBinding {
  return create(RoleBindingSchema, {
    name: row.name,
    role: roleFromName(row.role),
    groups: row.groups,
    subjects: row.subjects,
    createTime: timestampFromDate(row.createdAt),
    updateTime: timestampFromDate(row.updatedAt),
  });
}

/** Storage of RoleBinding resources. */
export const roleBindings = rowKind({
  kind: Kind.ROLE_BINDING,
  label: "role binding",
  entity: RoleBindingRow,
  toMessage,
  columns: (message: RoleBinding) => ({ role: ROLE_NAMES.get(message.role) ?? "", groups: [...message.groups], subjects: [...message.subjects] }),
  same: (row, wanted) => wanted.role === row.role && sameList(wanted.groups, row.groups) && sameList(wanted.subjects, row.subjects),
});
