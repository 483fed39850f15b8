// The control plane's tables as MikroORM entities (defineEntity: decorators break under vitest).
// The schema itself is owned by the migrations in ./migrations; these only map rows to objects.
import { defineEntity, p } from "@mikro-orm/core";
import { AuditSinkRow, SinkCursorRow } from "./sink-entities.js";
import { AlertRow, AlertRuleRow, BlockRow } from "./alert-block-entities.js";
import { BudgetRow, ModelPriceRow } from "./budget-entities.js";

/** An upstream API served by agents; the credential value is sealed (crypto/secret-box.ts). */
export const ConnectionRow = defineEntity({
  name: "ConnectionRow",
  tableName: "connection",
  properties: {
    name: p.string().primary(),
    provider: p.string(),
    upstream: p.string(),
    credentialHeader: p.string().nullable(),
    /** The credential value sealed with the secret key; the plaintext column is emptied at start. */
    credentialSealed: p.text().nullable(),
    segments: p.json<string[]>(),
    allowedGroups: p.json<string[]>(),
    /** Sessions older than this many seconds are pruned (audit/retention-pruner.ts); 0 = never. */
    retentionSeconds: p.integer(),
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
    consoleClientId: p.string(),
    consoleScopes: p.json<string[]>(),
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

/** A policy agents evaluate; `action` is "allow", "deny" or "" (limits only). */
export const PolicyRow = defineEntity({
  name: "PolicyRow",
  tableName: "policy",
  properties: {
    name: p.string().primary(),
    priority: p.integer(),
    connections: p.json<string[]>(),
    whenExpr: p.text(),
    keywords: p.json<string[]>(),
    patterns: p.json<string[]>(),
    /** "word", "prefix", "substring" or "" (auto). */
    keywordMatch: p.text(),
    action: p.string(),
    reason: p.text(),
    requestsPerMinute: p.integer(),
    tokensPerHour: p.bigint(),
    /** "global", "local" or "" (global when a counter store is configured). */
    limitScope: p.string(),
    /** "deny", "local" or "" (deny). */
    onStoreDown: p.string(),
    description: p.text(),
    detectors: p.json<string[]>(),
    maskPatterns: p.json<string[]>(),
    maskWords: p.json<string[]>(),
    phoneRegion: p.text(),
    allowBinary: p.boolean(),
    direction: p.string(),
    style: p.string(),
    restore: p.boolean(),
    record: p.string(),
    approvers: p.json<string[]>(),
    waitSeconds: p.integer(),
    grantSeconds: p.integer(),
    webhook: p.text(),
    createdAt: p.datetime(),
    updatedAt: p.datetime(),
  },
});

/** An admin-API role granted to token groups or subjects; `role` is "admin", "approver", "auditor" or "viewer". */
export const RoleBindingRow = defineEntity({
  name: "RoleBindingRow",
  tableName: "role_binding",
  properties: {
    name: p.string().primary(),
    role: p.string(),
    groups: p.json<string[]>(),
    subjects: p.json<string[]>(),
    createdAt: p.datetime(),
    updatedAt: p.datetime(),
  },
});

/**
 * An enrolled agent. Its instances' stream state is in `agent_instance` (agent-instances.ts, SQL
 * only); the table's older state columns (connected, version, applied_version, last_error,
 * last_seen) are no longer written (migration 0013).
 */
export const AgentRow = defineEntity({
  name: "AgentRow",
  tableName: "agent",
  properties: {
    name: p.string().primary(),
    segment: p.string(),
    tokenHash: p.string(),
    createdAt: p.datetime(),
  },
});

/** One ES256 key of the service-account issuer; the newest signs, all are published. */
export const SigningKeyRow = defineEntity({
  name: "SigningKeyRow",
  tableName: "signing_key",
  properties: {
    kid: p.string().primary(),
    /** The private JWK (JSON) sealed with the secret key; the plaintext column is emptied at start. */
    privateJwkSealed: p.text(),
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
    cachedTokens: p.bigint().nullable(),
    usageEstimated: p.boolean().nullable(),
    startedAt: p.datetime(),
    timeToFirstByteNs: p.bigint().nullable(),
    durationNs: p.bigint().nullable(),
    error: p.text(),
    policy: p.text(),
    findings: p.json<{ detector: string; location: string; count: number }[]>(),
    recordedBodies: p.integer(),
    maskPolicies: p.json<string[]>(),
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

/** A revoked token (jti) or every token of a subject issued before a time; dropped after expireTime. */
export const TokenRevocationRow = defineEntity({
  name: "TokenRevocationRow",
  tableName: "token_revocation",
  properties: {
    id: p.bigint().primary().autoincrement(),
    jti: p.string().nullable(),
    subject: p.string().nullable(),
    issuedBefore: p.datetime().nullable(),
    issuer: p.string(),
    expireTime: p.datetime(),
    createdAt: p.datetime(),
    actor: p.string(),
  },
});

/** A token the control plane signed, kept until it expires so it can be revoked by jti. */
export const IssuedTokenRow = defineEntity({
  name: "IssuedTokenRow",
  tableName: "issued_token",
  properties: {
    jti: p.string().primary(),
    subject: p.string(),
    expireTime: p.datetime(),
    createdAt: p.datetime(),
  },
});

/** Every entity the ORM maps. */
export const entities = [
  ModelPriceRow,
  BudgetRow,
  ConnectionRow,
  IdentityProviderRow,
  ServiceAccountRow,
  PolicyRow,
  RoleBindingRow,
  AgentRow,
  SigningKeyRow,
  AdminTokenRow,
  ExchangeRow,
  ChangeEventRow,
  TokenRevocationRow,
  IssuedTokenRow,
  AuditSinkRow,
  SinkCursorRow,
  AlertRuleRow,
  AlertRow,
  BlockRow,
];
