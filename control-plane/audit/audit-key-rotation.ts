// Rotation of the checkpoint key, in one transaction under the key's exclusive lock: an 'admin'
// entry recording the handover (old and new kid, the new public key) is appended, the old key signs
// a last checkpoint covering that entry — so the chain itself, under the old key, names its
// successor — the old key is retired at that seq and the new one signs from the next seq on.
// Replicas share the table, so every one signs its next checkpoint with the new key.
import type { Database } from "../storage/database.js";
import { appendAuditEvents, chainHead } from "./audit-log.js";
import {
  AUDIT_KEY_LOCK, type AuditPublicJwk, currentAuditKey, ensureAuditKey, newAuditKeyPair, storeAuditKey,
} from "./audit-keys.js";
import { KEY_ROTATION_ACTION } from "./checkpoint-token.js";
import { storeCheckpoint } from "./checkpointer.js";

export { KEY_ROTATION_ACTION } from "./checkpoint-token.js";

/** What a rotation did. */
export interface AuditKeyRotation {
  retiredKid: string;
  kid: string;
  /** The seq of the rotation entry: the old key's last checkpoint; the new key signs from the next one. */
  handoverSeq: number;
  publicJwk: AuditPublicJwk;
}

/** Retires the current checkpoint key in favour of a new one; `actor` names who asked (the entry's subject). */
export async function rotateAuditKey(db: Database, actor: string): Promise<AuditKeyRotation> {
  await ensureAuditKey(db);
  const next = await newAuditKeyPair();
  return db.transaction(async (tx) => {
    await tx.execute("select pg_advisory_xact_lock(?)", [AUDIT_KEY_LOCK]);
    const old = (await currentAuditKey(tx))!;
    await appendAuditEvents(tx, [{
      type: "admin",
      subject: actor,
      payload: { action: KEY_ROTATION_ACTION, retired_kid: old.kid, kid: next.kid, public_jwk: { ...next.publicJwk } as Record<string, unknown> },
    }]);
    const head = await chainHead(tx);
    await storeCheckpoint(tx, head, old);
    await tx.execute("update audit_signing_key set retired_seq = ?, retired_at = now() where kid = ?", [head.seq, old.kid]);
    const stored = await storeAuditKey(tx, next, head.seq + 1);
    return { retiredKid: old.kid, kid: next.kid, handoverSeq: head.seq, publicJwk: stored.publicJwk };
  });
}
