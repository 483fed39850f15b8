// The control plane's tables as MikroORM entities (defineEntity: decorators break under vitest).
// The schema itself is owned by the migrations in ./migrations; these only map rows to objects.
import { defineEntity, p } from "@mikro-orm/core";

/** An upstream API served by agents; the credential is stored as given (see docs/storage.md). */
export const ConnectionRow = defineEntity({
  name: "ConnectionRow",
  tableName: "connection",
  properties: {
    name: p.string().primary(),
    provider: p.string(),
    upstream: p.string(),
    credentialHeader: p.string().nullable(),
    credentialValue: p.string().nullable(),
    segments: p.json<string[]>(),
    createdAt: p.datetime(),
    updatedAt: p.datetime(),
  },
});

/** An OIDC issuer whose tokens agents accept. */
export const IdentityProviderRow = defineEntity({
  name: "IdentityProviderRow",
  tableName: "identity_provider",
  properties: {
    name: p.string().primary(),
    issuer: p.string(),
    audience: p.string(),
    jwksUri: p.string(),
    groupsClaim: p.string(),
    createdAt: p.datetime(),
    updatedAt: p.datetime(),
  },
});

/** A non-human caller that receives tokens from the control plane's issuer. */
export const ServiceAccountRow = defineEntity({
  name: "ServiceAccountRow",
  tableName: "service_account",
  properties: {
    name: p.string().primary(),
    groups: p.json<string[]>(),
    description: p.string(),
    createdAt: p.datetime(),
    updatedAt: p.datetime(),
  },
});

/** An enrolled agent and the state its stream last reported. */
export const AgentRow = defineEntity({
  name: "AgentRow",
  tableName: "agent",
  properties: {
    name: p.string().primary(),
    segment: p.string(),
    tokenHash: p.string(),
    connected: p.boolean(),
    version: p.string(),
    appliedVersion: p.string(),
    lastError: p.string(),
    lastSeen: p.datetime().nullable(),
    createdAt: p.datetime(),
  },
});

/** One ES256 key of the service-account issuer; the newest signs, all are published. */
export const SigningKeyRow = defineEntity({
  name: "SigningKeyRow",
  tableName: "signing_key",
  properties: {
    kid: p.string().primary(),
    privateJwk: p.json<Record<string, unknown>>(),
    publicJwk: p.json<Record<string, unknown>>(),
    createdAt: p.datetime(),
  },
});

/** An admin API token, stored as the sha256 hex of the token. */
export const AdminTokenRow = defineEntity({
  name: "AdminTokenRow",
  tableName: "admin_token",
  properties: {
    name: p.string().primary(),
    tokenHash: p.string(),
    createdAt: p.datetime(),
  },
});

/**
 * One recorded exchange. Written and read with SQL in exchanges.ts (multi-row insert with ON
 * CONFLICT, microsecond timestamps, keyset paging); mapped here so the ORM knows the whole schema.
 */
export const ExchangeRow = defineEntity({
  name: "ExchangeRow",
  tableName: "exchange",
  properties: {
    id: p.string().primary(),
    agent: p.string(),
    connection: p.string(),
    subject: p.string().nullable(),
    email: p.string().nullable(),
    groups: p.json<string[]>().nullable(),
    issuer: p.string().nullable(),
    method: p.string(),
    path: p.string(),
    model: p.string(),
    stream: p.boolean(),
    status: p.integer(),
    verdict: p.integer(),
    reason: p.text(),
    requestBody: p.text(),
    responseBody: p.text(),
    requestTruncated: p.boolean(),
    responseTruncated: p.boolean(),
    promptTokens: p.bigint().nullable(),
    completionTokens: p.bigint().nullable(),
    totalTokens: p.bigint().nullable(),
    startedAt: p.datetime(),
    timeToFirstByteNs: p.bigint().nullable(),
    durationNs: p.bigint().nullable(),
    error: p.text(),
    committedAt: p.datetime(),
  },
});

/** One configuration change; the highest id is the configuration version (change-events.ts). */
export const ChangeEventRow = defineEntity({
  name: "ChangeEventRow",
  tableName: "change_event",
  properties: {
    id: p.bigint().primary(),
    kind: p.string(),
    name: p.string(),
    action: p.string(),
    actor: p.string(),
    createdAt: p.datetime(),
  },
});

/** Every entity the ORM maps. */
export const entities = [
  ConnectionRow,
  IdentityProviderRow,
  ServiceAccountRow,
  AgentRow,
  SigningKeyRow,
  AdminTokenRow,
  ExchangeRow,
  ChangeEventRow,
];
