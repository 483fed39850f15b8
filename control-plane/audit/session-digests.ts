// Online only: each session an entry names ('sessions' entries list many, older 'session' entries
// one) against the exchange row it names, its digest recomputed by the database. A missing row is
// expected only when a later retention entry pruned its connection's sessions started before a
// cutoff that the session's start precedes.
import type { EntityManager } from "@mikro-orm/sql";
import type { AuditEntry } from "./audit-entry.js";
import { exchangeDigestSql } from "./exchange-digest.js";
import { type RetentionPrune, readPrunes } from "./retention-events.js";
import { entrySessions, type SessionRef } from "./session-events.js";
import type { ChainBreak } from "./verify-chain.js";

// Rows read per statement.
const IDS_PER_QUERY = 1000;

/** A page check comparing session digests with the stored exchange rows. */
export async function sessionDigestCheck(em: EntityManager): Promise<(entries: readonly AuditEntry[]) => Promise<ChainBreak[]>> {
  const prunes = await readPrunes(em);
  return async (entries) => {
    const problems: ChainBreak[] = [];
    const refs: SessionRef[] = [];
    for (const entry of entries) {
      const named = entrySessions(entry);
      if (Array.isArray(named)) refs.push(...named);
      else problems.push({ seq: entry.seq, problem: named.problem });
    }
    for (const version of new Set(refs.map((ref) => ref.digestVersion))) {
      const wanted = refs.filter((ref) => ref.digestVersion === version);
      let sql: string;
      try {
        sql = exchangeDigestSql(version);
      } catch {
        problems.push(...wanted.map((ref) => ({ seq: ref.seq, problem: `entry ${ref.seq}: unknown exchange digest version ${version}` })));
        continue;
      }
      const digests = new Map<string, string>();
      for (let start = 0; start < wanted.length; start += IDS_PER_QUERY) {
        const ids = wanted.slice(start, start + IDS_PER_QUERY).map((ref) => ref.session);
        const rows = await em.execute<{ id: string; digest: string }[]>(
          `select id, ${sql} as digest from exchange where id in (${ids.map(() => "?").join(", ")})`, ids,
        );
        for (const row of rows) digests.set(row.id, row.digest);
      }
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
