// palisade.admin.v1.AuditLogService: verify the stored chain, export it for offline verification,
// publish the checkpoint keys, rotate the checkpoint key.
import { create } from "@bufbuild/protobuf";
import { timestampDate, timestampFromDate } from "@bufbuild/protobuf/wkt";
import type { ServiceImpl } from "@connectrpc/connect";
import {
  AuditCheckpointSchema, AuditLogEntrySchema, type AuditLogService, type LogRange,
} from "../../gen/palisade/admin/v1/audit_log_service_pb.js";
import { adminCallerKey } from "../auth/admin-auth.js";
import type { Database } from "../storage/database.js";
import type { AuditEntry } from "./audit-entry.js";
import { rotateAuditKey } from "./audit-key-rotation.js";
import { auditPublicKeys } from "./audit-keys.js";
import { readCheckpoints, readEntries, type SeqRange, seqRangeForTimes } from "./audit-store.js";
import type { CheckpointRecord } from "./checkpoint-token.js";
import { verifyStoredLog } from "./verify-stored-log.js";

/** The seq range a request's LogRange selects; undefined when it selects no entry. */
async function seqRange(db: Database, range: LogRange | undefined): Promise<SeqRange | undefined> {
  if (!range) return { from: 1 };
  // The contract refuses negative seqs.
  if (range.fromSeq > 0n || range.toSeq > 0n) {
    return { from: Math.max(1, Number(range.fromSeq)), to: range.toSeq > 0n ? Number(range.toSeq) : undefined };
  }
  if (!range.fromTime && !range.toTime) return { from: 1 };
  return seqRangeForTimes(db.em(), range.fromTime && timestampDate(range.fromTime), range.toTime && timestampDate(range.toTime));
}

function entryMessage(entry: AuditEntry) {
  return create(AuditLogEntrySchema, {
    seq: BigInt(entry.seq), time: timestampFromDate(new Date(entry.time)), type: entry.type, subject: entry.subject,
    payload: entry.payload, prevHash: entry.prev_hash, hash: entry.hash,
  });
}

function checkpointMessage(checkpoint: CheckpointRecord) {
  return create(AuditCheckpointSchema, {
    seq: BigInt(checkpoint.seq), hash: checkpoint.hash, count: BigInt(checkpoint.count),
    time: timestampFromDate(new Date(checkpoint.time)), kid: checkpoint.kid, jws: checkpoint.jws,
  });
}

/** The AuditLogService implementation over `db`. */
export function createAuditLogService(db: Database): ServiceImpl<typeof AuditLogService> {
  return {
    async verifyLog(request) {
      const range = await seqRange(db, request.range);
      if (!range) return { ok: true };
      const report = await verifyStoredLog(db, range);
      return {
        ok: report.ok,
        entriesChecked: BigInt(report.entriesChecked),
        checkpointsChecked: BigInt(report.checkpointsChecked),
        firstBrokenSeq: BigInt(report.firstBroken?.seq ?? 0),
        problem: report.firstBroken?.problem ?? "",
        lastCheckpoint: report.lastCheckpoint && checkpointMessage(report.lastCheckpoint),
      };
    },
    async *exportLog(request) {
      const range = await seqRange(db, request.range);
      if (!range) return;
      const em = db.em();
      const checkpoints = new Map((await readCheckpoints(em, range)).map((checkpoint) => [checkpoint.seq, checkpoint]));
      for await (const page of readEntries(em, range)) {
        for (const entry of page) {
          yield { item: { case: "entry", value: entryMessage(entry) } };
          const checkpoint = checkpoints.get(entry.seq);
          if (checkpoint) yield { item: { case: "checkpoint", value: checkpointMessage(checkpoint) } };
        }
      }
    },
    async getLogPublicKey() {
      return { keys: (await auditPublicKeys(db.em())).map((key) => ({ ...key }) as Record<string, string>) };
    },
    async rotateLogKey(_request, context) {
      const rotation = await rotateAuditKey(db, context.values.get(adminCallerKey).actor);
      return {
        retiredKid: rotation.retiredKid, kid: rotation.kid, handoverSeq: BigInt(rotation.handoverSeq),
        publicKey: { ...rotation.publicJwk } as Record<string, string>,
      };
    },
  };
}
