// Admin access for caller JWTs: the token is verified exactly as agents verify callers (the same
// code, over the issuers and revocations of the current snapshot: the service-account issuer and
// every IdentityProvider, with its audience and groups claim), then its subject and groups are
// mapped to roles through the RoleBindings. Both are cached per configuration version: the snapshot
// cache moves its version after every committed change (at once on this replica, by NOTIFY on the
// others, by its safety poll at worst), and the next request rebuilds.
import type { Logger } from "pino";
import { createKeySetCache } from "../../core/identity/key-sets.js";
import { compileVerifier, type CallerIdentity, type IdentityVerifier } from "../../core/identity/verifier.js";
import type { SnapshotCache } from "../snapshot/snapshot-cache.js";
import type { Database } from "../storage/database.js";
import { loadRoleBindings, type RoleName, type StoredRoleBinding } from "../storage/resources/role-bindings.js";

/** A caller token's verdict: who it is and the roles it holds, or why it was refused. */
export type CallerAccess =
  | { ok: true; identity: CallerIdentity; roles: RoleName[] }
  /** `unreachable`: the issuer's keys could not be fetched, so the token could not be judged. */
  | { ok: false; reason: string; unreachable?: true };

/** Verifies caller JWTs for the admin API. */
export interface CallerAccessResolver {
  resolve(token: string): Promise<CallerAccess>;
  /**
   * The roles an identity already verified (a console session's) holds now; undefined when its
   * issuer is no longer configured, which ends what it signed in.
   */
  rolesFor(identity: Pick<CallerIdentity, "subject" | "groups" | "issuer">): Promise<RoleName[] | undefined>;
}

/** What the resolver reads. */
export interface CallerAccessDeps {
  db: Database;
  snapshots: Pick<SnapshotCache, "current" | "version">;
  logger: Logger;
}

interface Compiled {
  verifier: IdentityVerifier | undefined;
  bindings: StoredRoleBinding[];
  issuers: ReadonlySet<string>;
}

/** The roles `identity` holds through `bindings` (their union), in the order of the role list. */
export function rolesOf(identity: Pick<CallerIdentity, "subject" | "groups">, bindings: readonly StoredRoleBinding[]): RoleName[] {
  const held = new Set<RoleName>();
  for (const binding of bindings) {
    if (binding.subjects.includes(identity.subject) || binding.groups.some((group) => identity.groups.includes(group))) {
      held.add(binding.role);
    }
  }
  return (["admin", "approver", "auditor", "viewer"] as const).filter((role) => held.has(role));
}

/** A resolver over the snapshot cache and the role bindings in `db`. */
export function createCallerAccessResolver(deps: CallerAccessDeps): CallerAccessResolver {
  const keySets = createKeySetCache();
  let cached: { version: string; compiled: Promise<Compiled> } | undefined;

  const compile = async (): Promise<Compiled> => {
    // Any segment's snapshot carries every issuer and revocation.
    const snapshot = deps.snapshots.current("");
    let verifier: IdentityVerifier | undefined;
    try {
      verifier = compileVerifier(snapshot.issuers, keySets, snapshot.revocations);
      keySets.retainOnly(snapshot.issuers);
    } catch (error) {
      deps.logger.error({ err: error }, "token issuers unusable; admin API accepts only admin tokens");
    }
    const issuers = new Set(snapshot.issuers.map((issuer) => issuer.issuer));
    return { verifier, bindings: await loadRoleBindings(deps.db.em()), issuers };
  };

  const current = (): Promise<Compiled> => {
    const version = deps.snapshots.version();
    if (cached?.version !== version) {
      const compiled = compile();
      cached = { version, compiled };
      // A failed read is not kept: the next request tries again.
      compiled.catch(() => { if (cached?.compiled === compiled) cached = undefined; });
    }
    return cached.compiled;
  };

  return {
    async resolve(token) {
      const { verifier, bindings } = await current();
      if (!verifier) return { ok: false, reason: "token issuers are misconfigured" };
      const verified = await verifier.verify(token);
      if (!verified.ok) return verified;
      return { ok: true, identity: verified.identity, roles: rolesOf(verified.identity, bindings) };
    },
    async rolesFor(identity) {
      const { bindings, issuers } = await current();
      return issuers.has(identity.issuer) ? rolesOf(identity, bindings) : undefined;
    },
  };
}
