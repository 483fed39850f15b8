// Reads the configuration agents run on, at one consistent point, and shapes it into snapshots.
import { create } from "@bufbuild/protobuf";
import { timestampFromDate } from "@bufbuild/protobuf/wkt";
import { IsolationLevel } from "@mikro-orm/core";
import type { Logger } from "pino";
import {
  type Block, BlockSchema, type BudgetState, type Connection, ConnectionSchema, CredentialSchema, type Issuer, IssuerSchema, type Policy, Provider, type Snapshot,
  type ReviewDecision, SnapshotSchema, type TokenRevocation, TokenRevocationSchema,
} from "../../gen/palisade/agent/v1/snapshot_pb.js";
import { liveBlocks } from "../blocks/block-store.js";
import { budgetStatesForAgents } from "../budgets/snapshot-budgets.js";
import { type CounterStoreSettings, counterStoreMessage } from "../limits/counter-store-config.js";
import { secretBox } from "../crypto/secret-registry.js";
import { decisionsForAgents } from "../reviews/review-decisions.js";
import { currentVersion } from "../storage/change-events.js";
import { readSnapshotPolicies } from "./snapshot-policies.js";
import type { Database } from "../storage/database.js";
import { ConnectionRow, IdentityProviderRow } from "../storage/entities.js";
import { providerFromName } from "../storage/resources/connections.js";
import { liveRevocations } from "../storage/resources/revocations.js";
import {
  loadSigningKeys, publicJwks, SERVICE_ACCOUNT_AUDIENCE, SERVICE_ACCOUNT_ISSUER, SERVICE_ACCOUNT_ISSUER_NAME,
} from "../tokens/signing-keys.js";

/** A connection with the segments that serve it. */
export interface ServedConnection {
  connection: Connection;
  segments: readonly string[];  // empty: every segment
}

/** The whole configuration at one version, checked for consistency. */
export interface ConfigState {
  version: string;
  connections: readonly ServedConnection[];
  issuers: readonly Issuer[];
  /** Every policy; every segment gets them all (they apply by connection name). */
  policies: readonly Policy[];
  /** Token revocations not yet expired when the state was read; every segment gets them all. */
  revocations: readonly TokenRevocation[];
  /** Blocks neither lifted nor expired when the state was read; agents also honour expire_time. */
  blocks: readonly Block[];
  /** Decided reviews agents still need (live grants, recent denials); every segment gets them all. */
  reviews: readonly ReviewDecision[];
  /** Budget scopes past half their budget (or first threshold) or spent, in their current period; every segment gets them all. */
  budgets: readonly BudgetState[];
}

/** Reads the configuration in one repeatable-read transaction, so version and data agree. */
export async function readConfigState(db: Database, logger: Logger): Promise<ConfigState> {
  return db.em().transactional(async (tx) => {
    const version = await currentVersion(tx);
    const connectionRows = await tx.find(ConnectionRow, {}, { orderBy: { name: "asc" } });
    const providerRows = await tx.find(IdentityProviderRow, {}, { orderBy: { name: "asc" } });
    const keys = await loadSigningKeys(tx);
    const connections: ServedConnection[] = [];
    for (const row of connectionRows) {
      const connection = create(ConnectionSchema, {
        name: row.name,
        // The admin and agent protos number their Provider values alike.
        provider: providerFromName(row.provider) as number as Provider,
        upstream: row.upstream,
        credential: row.credentialHeader && row.credentialSealed
          ? create(CredentialSchema, { header: row.credentialHeader, value: secretBox(tx).open(row.credentialSealed) })
          : undefined,
        allowedGroups: row.allowedGroups,
      });
      const problem = connectionProblem(connection);
      if (problem) {
        // A broken connection is left out rather than sent: agents would NACK the whole snapshot.
        logger.error({ connection: row.name, problem }, "connection left out of the snapshot");
        continue;
      }
      connections.push({ connection, segments: row.segments });
    }
    const issuers = providerRows
      .filter((row) => row.issuer && row.audience)
      .map((row) => create(IssuerSchema, {
        name: row.name, issuer: row.issuer, audience: row.audience, jwksUri: row.jwksUri, groupsClaim: row.groupsClaim,
      }));
    if (keys.length > 0) {
      issuers.push(create(IssuerSchema, {
        name: SERVICE_ACCOUNT_ISSUER_NAME, issuer: SERVICE_ACCOUNT_ISSUER, audience: SERVICE_ACCOUNT_AUDIENCE,
        jwks: publicJwks(keys), groupsClaim: "groups",
      }));
    }
    const revocations = (await liveRevocations(tx, new Date())).map((revocation) => create(TokenRevocationSchema, {
      jti: revocation.jti ?? "",
      subject: revocation.subject ?? "",
      issuedBefore: revocation.issuedBefore ? timestampFromDate(revocation.issuedBefore) : undefined,
      issuer: revocation.issuer,
      expireTime: timestampFromDate(revocation.expireTime),
    }));
    const policies = await readSnapshotPolicies(tx);
    const blocks = (await liveBlocks(tx, new Date())).map((block) => create(BlockSchema, {
      subject: block.subject, issuer: block.issuer, reason: block.reason, rule: block.rule, expireTime: timestampFromDate(block.expireTime),
    }));
    const reviews = await decisionsForAgents(tx);
    const budgets = await budgetStatesForAgents(tx, new Date());
    return { version, connections, issuers, revocations, policies, blocks, reviews, budgets };
  }, { isolationLevel: IsolationLevel.REPEATABLE_READ, readOnly: true });
}

/** Why a connection cannot be sent to agents, or undefined when it can (Snapshot.Consistent). */
export function connectionProblem(connection: Connection): string | undefined {
  if (connection.provider === Provider.UNSPECIFIED) return "no provider";
  if (!/^https?:\/\//.test(connection.upstream)) return "no http(s) upstream";
  if (!connection.credential?.header || !connection.credential.value) return "no credential";
  return undefined;
}

/** The snapshot agents of `segment` receive from `state` (no nonce; the stream sets one), with the counter store when one is configured. */
export function snapshotForSegment(state: ConfigState, segment: string, counterStore?: CounterStoreSettings): Snapshot {
  const snapshot = create(SnapshotSchema, {
    version: state.version,
    connections: state.connections
      .filter((served) => served.segments.length === 0 || served.segments.includes(segment))
      .map((served) => served.connection),
    issuers: [...state.issuers],
    policies: [...state.policies],
    revocations: [...state.revocations],
    blocks: [...state.blocks],
    reviews: [...state.reviews],
    budgets: [...state.budgets],
    counterStore: counterStoreMessage(counterStore),
  });
  return Object.freeze(snapshot);
}
