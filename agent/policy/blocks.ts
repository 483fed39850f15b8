// Blocked identities from the snapshot, compiled for one lookup per request right after the caller's
// token is verified. Expiry is checked here against the agent's clock, so an expired block stops
// refusing without waiting for a new snapshot.
import { timestampMs } from "@bufbuild/protobuf/wkt";
import type { Block } from "../../gen/palisade/agent/v1/snapshot_pb.js";

/** A block in force: who, why, which rule, until when (ms since the epoch). */
export interface ActiveBlock {
  subject: string;
  issuer: string;
  reason: string;
  rule: string;
  expiresAtMs: number;
}

/** Finds the block refusing an identity now. */
export interface BlockList {
  /** The block of `subject` under `issuer` in force at `nowMs`, latest expiry first; undefined when none. */
  find(subject: string, issuer: string, nowMs: number): ActiveBlock | undefined;
}

/** Compiles the snapshot's blocks; throws (to NACK) for a block without a subject or expiry. */
export function compileBlocks(blocks: readonly Block[]): BlockList {
  const bySubject = new Map<string, ActiveBlock[]>();
  for (const block of blocks) {
    if (!block.subject) throw new Error("block without a subject");
    if (!block.expireTime) throw new Error(`block of ${block.subject} has no expire time`);
    const active = { subject: block.subject, issuer: block.issuer, reason: block.reason, rule: block.rule, expiresAtMs: timestampMs(block.expireTime) };
    bySubject.set(block.subject, [...(bySubject.get(block.subject) ?? []), active]);
  }
  return {
    find(subject, issuer, nowMs) {
      let found: ActiveBlock | undefined;
      for (const block of bySubject.get(subject) ?? []) {
        if (block.expiresAtMs <= nowMs) continue;
        if (block.issuer !== "" && block.issuer !== issuer) continue;
        if (!found || block.expiresAtMs > found.expiresAtMs) found = block;
      }
      return found;
    },
  };
}

/** What the caller reads in the 403: the block, its rule and until when. */
export function blockMessage(block: ActiveBlock): string {
  const until = new Date(block.expiresAtMs).toISOString();
  const by = block.rule ? `alert rule ${block.rule}` : "an administrator";
  return `Blocked by Palisade until ${until} (${by}): ${block.reason}`;
}

/** The reason recorded with the refused exchange; starts with "blocked" (alert rules skip such refusals). */
export function blockReason(block: ActiveBlock): string {
  const until = new Date(block.expiresAtMs).toISOString();
  return `blocked until ${until} by ${block.rule ? `alert rule ${block.rule}` : "an administrator"}: ${block.reason}`;
}
