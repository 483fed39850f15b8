// Online verification: the chain as stored, its checkpoints under the stored public keys, and
// every session entry against its exchange row.
import type { JWK } from "jose";
import type { Database } from "../storage/database.js";
import { chainHead } from "./audit-log.js";
import { GENESIS_HASH } from "./audit-entry.js";
import { auditPublicKeys } from "./audit-keys.js";
import { readCheckpoints, readEntries, readEntry, type SeqRange } from "./audit-store.js";
import { sessionDigestCheck } from "./session-digests.js";
import { verifyChain, type VerifyReport } from "./verify-chain.js";

/** Verifies the entries of `range` (default: the whole log); `keys` pins the public keys. */
export async function verifyStoredLog(db: Database, range: SeqRange = { from: 1 }, keys?: readonly JWK[]): Promise<VerifyReport> {
  const em = db.em();
  const from = Math.max(1, range.from);
  const prevHash = from === 1 ? GENESIS_HASH : (await readEntry(em, from - 1))?.hash;
  // A `to` past the head means "to the end": only a signed checkpoint can tell the tail was cut.
  const head = (await chainHead(em)).seq;
  const to = range.to === undefined ? undefined : Math.min(range.to, head);
  const publicKeys = keys ?? await auditPublicKeys(em);
  return verifyChain({
    pages: readEntries(em, { from, to }),
    checkpoints: await readCheckpoints(em, { from, to }),
    keys: new Map(publicKeys.map((key) => [String(key.kid), key])),
    fromSeq: from,
    toSeq: to,
    prevHash,
    checkPage: await sessionDigestCheck(em),
  });
}
