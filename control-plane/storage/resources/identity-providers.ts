// Identity providers: OIDC issuers whose tokens agents accept.
import { create } from "@bufbuild/protobuf";
import { timestampFromDate } from "@bufbuild/protobuf/wkt";
import type { InferEntity } from "@mikro-orm/core";
import {
  type IdentityProvider, IdentityProviderSchema, Kind,
} from "../../../gen/palisade/admin/v1/resources_pb.js";
import { IdentityProviderRow } from "../entities.js";
import { Outcome, type ResourceKind } from "./resource-kind.js";

type Row = InferEntity<typeof IdentityProviderRow>;

/** The groups claim used when a provider names none. */
export const DEFAULT_GROUPS_CLAIM = "groups";

function toMessage(row: Row): IdentityProvider {
  return create(IdentityProviderSchema, {
    name: row.name,
    issuer: row.issuer,
    audience: row.audience,
    jwksUri: row.jwksUri,
    groupsClaim: row.groupsClaim,
    createTime: timestampFromDate(row.createdAt),
    updateTime: timestampFromDate(row.updatedAt),
  });
}

/** Storage of IdentityProvider resources. */
export const identityProviders: ResourceKind<IdentityProvider> = {
  kind: Kind.IDENTITY_PROVIDER,
  label: "identity provider",
  async get(em, name) {
    const row = await em.findOne(IdentityProviderRow, { name });
    return row ? toMessage(row) : undefined;
  },
  async list(em) {
    const rows = await em.find(IdentityProviderRow, {}, { orderBy: { name: "asc" } });
    return rows.map(toMessage);
  },
  async apply(tx, message, now) {
    const wanted = {
      issuer: message.issuer,
      audience: message.audience,
      jwksUri: message.jwksUri,
      groupsClaim: message.groupsClaim || DEFAULT_GROUPS_CLAIM,
    };
    const row = await tx.findOne(IdentityProviderRow, { name: message.name });
    if (!row) {
      tx.create(IdentityProviderRow, { name: message.name, ...wanted, createdAt: now, updatedAt: now });
      await tx.flush();
      return Outcome.CREATED;
    }
    if (wanted.issuer === row.issuer && wanted.audience === row.audience
      && wanted.jwksUri === row.jwksUri && wanted.groupsClaim === row.groupsClaim) {
      return Outcome.UNCHANGED;
    }
    Object.assign(row, wanted, { updatedAt: now });
    await tx.flush();
    return Outcome.UPDATED;
  },
  async remove(tx, name) {
    return (await tx.nativeDelete(IdentityProviderRow, { name })) > 0;
  },
};
