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
import { invalid } from "./input-checks.js";

const DEFAULT_LIMIT = 100;
const MAX_LIMIT = 1000;
const DEFAULT_SECONDS = 3600;
const MIN_SECONDS = 1;
const MAX_SECONDS = 365 * 86_400;
/** The longest reason, in characters: it is sent to the caller in every refusal. */
const MAX_REASON = 1024;

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
      const subject = request.subject.trim();
      if (!subject) throw invalid("block: subject is required");
      const seconds = request.duration ? Number(request.duration.seconds) + request.duration.nanos / 1e9 : DEFAULT_SECONDS;
      if (!(seconds >= MIN_SECONDS && seconds <= MAX_SECONDS)) throw invalid(`block of "${subject}": duration must be between 1 second and 365 days`);
      const reason = request.reason.trim() || "blocked by an administrator";
      if (reason.length > MAX_REASON || /[\r\n]/.test(reason)) throw invalid(`block of "${subject}": reason must be one line of at most ${MAX_REASON} characters`);
      const block = await retryableConflicts("a block", () => deps.blocks.create({
        subject, issuer: request.issuer.trim(), reason, rule: "", durationMs: seconds * 1000, createdBy: adminActor(context),
      }));
      return { block: blockRecord(block) };
    },
    async deleteBlock(request, context) {
      const subject = request.subject.trim();
      if (!subject) throw invalid("unblock: subject is required");
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
