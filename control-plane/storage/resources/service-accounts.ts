// Service accounts: non-human callers that get tokens from the control plane's issuer.
import { create } from "@bufbuild/protobuf";
import { timestampFromDate } from "@bufbuild/protobuf/wkt";
import type { InferEntity } from "@mikro-orm/core";
import {
  Kind, type ServiceAccount, ServiceAccountSchema,
} from "../../../gen/palisade/admin/v1/resources_pb.js";
import { ServiceAccountRow } from "../entities.js";
import { sameList } from "./resource-kind.js";
import { rowKind } from "./row-kind.js";

type Row = InferEntity<typeof ServiceAccountRow>;

function toMessage(row: Row): ServiceAccount {
  return create(ServiceAccountSchema, {
    name: row.name,
    groups: row.groups,
    description: row.description,
    createTime: timestampFromDate(row.createdAt),
    updateTime: timestampFromDate(row.updatedAt),
  });
}

/** Storage of ServiceAccount resources. */
export const serviceAccounts = rowKind({
  kind: Kind.SERVICE_ACCOUNT,
  label: "service account",
  entity: ServiceAccountRow,
  toMessage,
  columns: (message: ServiceAccount) => ({ groups: [...message.groups], description: message.description }),
  same: (row, wanted) => sameList(wanted.groups, row.groups) && wanted.description === row.description,
});
