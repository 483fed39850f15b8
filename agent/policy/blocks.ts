// Blocked identities from the snapshot, compiled for one lookup per request right after the caller's
// token is verified. Expiry is checked here against the agent's clock, so an expired block stops
// refusing without waiting for a new snapshot. A block errs on the side of refusing: its issuer
// matches the token's whatever the case and trailing slashes (an administrator's `--issuer
// https://idp.example.com/` for tokens of `https://idp.example.com` would otherwise never apply,
// silently), and its subject matches the token's with blanks around it (the control plane trims
// the subject it blocks).
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
  const bySubject = new Map<string, { block: ActiveBlock; issuer: string }[]>();
  for (const block of blocks) {
    if (!block.subject) throw new Error("block without a subject");
    if (!block.expireTime) throw new Error(`block of ${block.subject} has no expire time`);
    const active = { subject: block.subject, issuer: block.issuer, reason: block.reason, rule: block.rule, expiresAtMs: timestampMs(block.expireTime) };
    const key = block.subject.trim();
    bySubject.set(key, [...(bySubject.get(key) ?? []), { block: active, issuer: sameIssuer(block.issuer) }]);
  }
  return {
    find(subject, issuer, nowMs) {
      if (bySubject.size === 0) return undefined;
      let found: ActiveBlock | undefined;
      let tokenIssuer: string | undefined;
      for (const { block, issuer: blocked } of bySubject.get(subject.trim()) ?? []) {
        if (block.expiresAtMs <= nowMs) continue;
        if (blocked !== "" && blocked !== (tokenIssuer ??= sameIssuer(issuer))) continue;
        if (!found || block.expiresAtMs > found.expiresAtMs) found = block;
      }
      return found;
    },
  };
}

/** An issuer as blocks compare it: lower case, without trailing slashes (empty stays empty: any issuer). */
function sameIssuer(issuer: string): string {
  return issuer.trim().toLowerCase().replace(/\/+$/, "");
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
