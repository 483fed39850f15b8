// The checkpoint-key rotations recorded in the chain, held against the checkpoints: after the
// entry at seq R retiring key K for key N, K signs no checkpoint past R and N none up to R — whatever
// the keys given to the verifier say about their ranges (a key saved before a rotation states none).
import type { AuditEntry } from "./audit-entry.js";
import { type CheckpointRecord, KEY_ROTATION_ACTION } from "./checkpoint-token.js";

interface Handover {
  seq: number;
  retiredKid: string;
  kid: string;
}

/** Collects rotation entries as the walk sees them, then names the checkpoints that break them. */
export function createHandoverCheck(checkpoints: readonly CheckpointRecord[]) {
  const handovers: Handover[] = [];
  return {
    see(entry: AuditEntry): void {
      const { action, retired_kid: retiredKid, kid } = entry.payload;
      if (entry.type === "admin" && action === KEY_ROTATION_ACTION && typeof retiredKid === "string" && typeof kid === "string") {
        handovers.push({ seq: entry.seq, retiredKid, kid });
      }
    },
    problems(): Array<{ seq: number; problem: string }> {
      const problems: Array<{ seq: number; problem: string }> = [];
      for (const checkpoint of checkpoints) {
        for (const handover of handovers) {
          if (checkpoint.kid === handover.retiredKid && checkpoint.seq > handover.seq) {
            problems.push({ seq: checkpoint.seq, problem: `checkpoint at seq ${checkpoint.seq} is signed by key ${checkpoint.kid}, retired by the rotation entry at seq ${handover.seq}` });
          } else if (checkpoint.kid === handover.kid && checkpoint.seq <= handover.seq) {
            problems.push({ seq: checkpoint.seq, problem: `checkpoint at seq ${checkpoint.seq} is signed by key ${checkpoint.kid}, introduced by the rotation entry at seq ${handover.seq}` });
          }
        }
      }
      return problems;
    },
  };
}
