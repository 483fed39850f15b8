// Online only: each session entry's digest against the exchange row it names, recomputed by the
// database. A missing row is expected only when a later retention entry pruned its connection's
// sessions started before a cutoff that the session's start precedes.
import type { EntityManager } from "@mikro-orm/sql";
import type { AuditEntry } from "./audit-entry.js";
import { exchangeDigestSql } from "./exchange-digest.js";
import { type RetentionPrune, readPrunes } from "./retention-events.js";
import type { ChainBreak } from "./verify-chain.js";

interface SessionRef { seq: number; session: string; connection: string; startedAt: string; digest: string; version: number }

function sessionRef(entry: AuditEntry): SessionRef | undefined {
  if (entry.type !== "session") return undefined;
  const { session, connection, startedAt, digest, digestVersion } = entry.payload;
  if (typeof session !== "string" || typeof digest !== "string") return undefined;
  return {
    seq: entry.seq, session, connection: String(connection), startedAt: String(startedAt), digest,
    version: typeof digestVersion === "number" ? digestVersion : 1,
  };
}

/** A page check comparing session digests with the stored exchange rows. */
export async function sessionDigestCheck(em: EntityManager): Promise<(entries: readonly AuditEntry[]) => Promise<ChainBreak[]>> {
  const prunes = await readPrunes(em);
  return async (entries) => {
    const refs = entries.map(sessionRef).filter((ref): ref is SessionRef => ref !== undefined);
    const problems: ChainBreak[] = [];
    for (const version of new Set(refs.map((ref) => ref.version))) {
      const wanted = refs.filter((ref) => ref.version === version);
      let sql: string;
      try {
        sql = exchangeDigestSql(version);
      } catch {
        problems.push(...wanted.map((ref) => ({ seq: ref.seq, problem: `entry ${ref.seq}: unknown exchange digest version ${version}` })));
        continue;
      }
      const rows = await em.execute<{ id: string; digest: string }[]>(
        `select id, ${sql} as digest from exchange where id in (${wanted.map(() => "?").join(", ")})`,
        wanted.map((ref) => ref.session),
      );
      const digests = new Map(rows.map((row) => [row.id, row.digest]));
      for (const ref of wanted) {
        const stored = digests.get(ref.session);
        if (stored === undefined) {
          if (!prunedLater(ref, prunes)) problems.push({ seq: ref.seq, problem: `entry ${ref.seq}: session ${ref.session} is missing from the exchange table` });
        } else if (stored !== ref.digest) {
          problems.push({ seq: ref.seq, problem: `entry ${ref.seq}: session ${ref.session} was changed after it was recorded` });
        }
      }
    }
    return problems;
  };
}

function prunedLater(ref: SessionRef, prunes: readonly RetentionPrune[]): boolean {
  return prunes.some((prune) => prune.seq > ref.seq && prune.connection === ref.connection && ref.startedAt < prune.startedBefore);
}
