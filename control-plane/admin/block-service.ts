// palisade.admin.v1.BlockService: blocks (manual ones created here, automatic ones by alert rules)
// and the alerts rules raised. Thin: storage in control-plane/blocks and control-plane/alerts.
import { create } from "@bufbuild/protobuf";
import { timestampDate, timestampFromDate } from "@bufbuild/protobuf/wkt";
import { Code, ConnectError, type ServiceImpl } from "@connectrpc/connect";
import { AlertSchema, BlockRecordSchema, type BlockService } from "../../gen/palisade/admin/v1/block_service_pb.js";
import { listAlerts, type StoredAlert } from "../alerts/alert-store.js";
import { adminActor } from "../auth/admin-auth.js";
import type { BlockStore, StoredBlock } from "../blocks/block-store.js";
import type { Database } from "../storage/database.js";
import { retryableConflicts } from "./storage-errors.js";

const DEFAULT_LIMIT = 100;
const MAX_LIMIT = 1000;
const DEFAULT_SECONDS = 3600;

function limitOf(limit: number): number {
  return Math.min(limit || DEFAULT_LIMIT, MAX_LIMIT);
}

/** A stored block as the API returns it. */
export function blockRecord(block: StoredBlock) {
  return create(BlockRecordSchema, {
    id: block.id, subject: block.subject, issuer: block.issuer, reason: block.reason, rule: block.rule,
    createTime: timestampFromDate(block.createdAt), expireTime: timestampFromDate(block.expireTime),
    createdBy: block.createdBy, liftTime: block.liftedAt ? timestampFromDate(block.liftedAt) : undefined, liftedBy: block.liftedBy,
  });
}

function alertMessage(alert: StoredAlert) {
  return create(AlertSchema, {
    id: alert.id, rule: alert.rule, subject: alert.subject, issuer: alert.issuer, fireTime: timestampFromDate(alert.firedAt),
    sessionIds: alert.sessionIds, summary: alert.summary, observed: alert.observed, baseline: alert.baseline,
    model: alert.model, blocked: alert.blocked,
  });
}

/** The BlockService implementation. */
export function createBlockService(deps: { blocks: BlockStore; db: Database }): ServiceImpl<typeof BlockService> {
  return {
    async listBlocks(request) {
      const blocks = await deps.blocks.list({
        includeInactive: request.includeInactive, subject: request.subject.trim() || undefined, limit: limitOf(request.limit),
      });
      return { blocks: blocks.map(blockRecord) };
    },
    async createBlock(request, context) {
      // The contract requires a subject, bounds the duration (1 second to 365 days) and keeps the
      // reason (sent to the caller in every refusal) to one line of at most 1024 characters.
      const subject = request.subject.trim();
      const seconds = request.duration ? Number(request.duration.seconds) + request.duration.nanos / 1e9 : DEFAULT_SECONDS;
      const reason = request.reason.trim() || "blocked by an administrator";
      const block = await retryableConflicts("a block", () => deps.blocks.create({
        subject, issuer: request.issuer.trim(), reason, rule: "", durationMs: seconds * 1000, createdBy: adminActor(context),
      }));
      return { block: blockRecord(block) };
    },
    async deleteBlock(request, context) {
      const subject = request.subject.trim();
      const issuer = request.issuer.trim() || undefined;
      const lifted = await retryableConflicts("a block", () => deps.blocks.lift({ subject, issuer }, adminActor(context)));
      if (lifted.length === 0) throw new ConnectError(`"${subject}" is not blocked`, Code.NotFound);
      return { lifted: lifted.length };
    },
    async listAlerts(request) {
      const alerts = await listAlerts(deps.db, {
        since: request.since ? timestampDate(request.since) : undefined,
        rule: request.rule.trim() || undefined,
        subject: request.subject.trim() || undefined,
        limit: limitOf(request.limit),
      });
      return { alerts: alerts.map(alertMessage) };
    },
  };
}
