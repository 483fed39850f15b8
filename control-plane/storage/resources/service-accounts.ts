// Service accounts: non-human callers that get tokens from the control plane's issuer.
import { create } from "@bufbuild/protobuf";
import { timestampFromDate } from "@bufbuild/protobuf/wkt";
import type { InferEntity } from "@mikro-orm/core";
import {
  Kind, type ServiceAccount, ServiceAccountSchema,
} from "../../../gen/palisade/admin/v1/resources_pb.js";
import { ServiceAccountRow } from "../entities.js";
import { Outcome, type ResourceKind, sameList } from "./resource-kind.js";

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
export const serviceAccounts: ResourceKind<ServiceAccount> = {
  kind: Kind.SERVICE_ACCOUNT,
  label: "service account",
  async get(em, name) {
    const row = await em.findOne(ServiceAccountRow, { name });
    return row ? toMessage(row) : undefined;
  },
  async list(em) {
    const rows = await em.find(ServiceAccountRow, {}, { orderBy: { name: "asc" } });
    return rows.map(toMessage);
  },
  async apply(tx, message, now) {
    const wanted = { groups: [...message.groups], description: message.description };
    const row = await tx.findOne(ServiceAccountRow, { name: message.name });
    if (!row) {
      tx.create(ServiceAccountRow, { name: message.name, ...wanted, createdAt: now, updatedAt: now });
      await tx.flush();
      return Outcome.CREATED;
    }
    if (sameList(wanted.groups, row.groups) && wanted.description === row.description) {
      return Outcome.UNCHANGED;
    }
    Object.assign(row, wanted, { updatedAt: now });
    await tx.flush();
    return Outcome.UPDATED;
  },
  async remove(tx, name) {
    return (await tx.nativeDelete(ServiceAccountRow, { name })) > 0;
  },
};
