// Identity providers: OIDC issuers whose tokens agents accept.
import { create } from "@bufbuild/protobuf";
import { timestampFromDate } from "@bufbuild/protobuf/wkt";
import type { InferEntity } from "@mikro-orm/core";
import {
  type IdentityProvider, IdentityProviderSchema, Kind,
} from "../../../gen/palisade/admin/v1/resources_pb.js";
import { IdentityProviderRow } from "../entities.js";
import { sameList } from "./resource-kind.js";
import { rowKind } from "./row-kind.js";

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
    console: row.consoleClientId ? { clientId: row.consoleClientId, scopes: row.consoleScopes } : undefined,
    createTime: timestampFromDate(row.createdAt),
    updateTime: timestampFromDate(row.updatedAt),
  });
}

/** Storage of IdentityProvider resources. */
export const identityProviders = rowKind({
  kind: Kind.IDENTITY_PROVIDER,
  label: "identity provider",
  entity: IdentityProviderRow,
  toMessage,
  columns: (message: IdentityProvider) => ({
    issuer: message.issuer,
    audience: message.audience,
    jwksUri: message.jwksUri,
    groupsClaim: message.groupsClaim || DEFAULT_GROUPS_CLAIM,
    consoleClientId: message.console?.clientId ?? "",
    consoleScopes: message.console?.scopes ?? [],
  }),
  same: (row, wanted) => wanted.issuer === row.issuer && wanted.audience === row.audience
    && wanted.jwksUri === row.jwksUri && wanted.groupsClaim === row.groupsClaim
    && wanted.consoleClientId === row.consoleClientId && sameList(wanted.consoleScopes, row.consoleScopes),
});
