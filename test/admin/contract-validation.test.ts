// The contract's field rules guard every admin service through the one interceptor: each service's
// plain constraints (required fields, ranges, enums, repeated items, cross-field CEL rules) are
// refused with INVALID_ARGUMENT naming the field path and the rule before any handler runs — the
// server-streaming TailSessions too — and what passes reaches the handler.
import { ViolationsSchema } from "@bufbuild/protovalidate/gen/buf/validate/validate_pb.js";
import { Code } from "@connectrpc/connect";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { AgentAdminService } from "../../gen/palisade/admin/v1/agent_admin_service_pb.js";
import { AuditLogService } from "../../gen/palisade/admin/v1/audit_log_service_pb.js";
import { BlockService } from "../../gen/palisade/admin/v1/block_service_pb.js";
import { ResourceService } from "../../gen/palisade/admin/v1/resource_service_pb.js";
import { Kind } from "../../gen/palisade/admin/v1/resources_pb.js";
import { ReviewService, type ReviewState } from "../../gen/palisade/admin/v1/review_service_pb.js";
import { SessionService } from "../../gen/palisade/admin/v1/session_service_pb.js";
import { TokenService } from "../../gen/palisade/admin/v1/token_service_pb.js";
import { UsageDimension, UsageService } from "../../gen/palisade/admin/v1/usage_service_pb.js";
import type { Verdict } from "../../gen/palisade/agent/v1/exchange_pb.js";
import { type AdminHarness, refusal, startAdminHarness } from "./admin-harness.js";

describe("the admin API's contract", () => {
  let admin: AdminHarness;
  beforeAll(async () => { admin = await startAdminHarness(); });
  afterAll(async () => { await admin?.close(); });

  const at = (seconds: number) => ({ seconds: BigInt(seconds), nanos: 0 });

  it("refuses each service's plain constraints with the field path and the rule", async () => {
    const cases: Array<[string, () => Promise<unknown>, string]> = [
      ["kind", () => admin.client(ResourceService).getResource({ kind: Kind.UNSPECIFIED, name: "x" }),
        "kind must be one of connection, identity_provider, service_account, policy, role_binding, audit_sink, alert_rule, model_price, budget [enum.not_in]"],
      ["agent segment", () => admin.client(AgentAdminService).createAgent({ name: "edge-1", segment: "EU 1" }),
        "segment must be 1-63 lower-case letters, digits or dashes, starting with a letter [string.resource_name]"],
      ["token ttl", () => admin.client(TokenService).createToken({ subject: "ci", ttl: at(30) }),
        "ttl must be at least 1m and at most 30d [duration.gte_lte]"],
      ["revocation target", () => admin.client(TokenService).revokeToken({ jti: "j", subject: "s" }),
        "set exactly one of jti and subject [revoke_token.target]"],
      ["block reason", () => admin.client(BlockService).createBlock({ subject: "mallory", reason: "one\ntwo" }),
        "reason must be one line [string.one_line]"],
      ["block duration", () => admin.client(BlockService).createBlock({ subject: "mallory", duration: at(400 * 86_400) }),
        "duration must be at least 1s and at most 365d [duration.gte_lte]"],
      ["unblock subject", () => admin.client(BlockService).deleteBlock({ subject: "  " }),
        "subject must not be empty or blank [string.not_blank]"],
      ["denial reason", () => admin.client(ReviewService).denyReview({ id: "r-1", reason: " " }),
        "reason is required: it is shown to the caller [deny_review.reason]"],
      ["review state", () => admin.client(ReviewService).listReviews({ state: 42 as ReviewState }),
        "state must be one of pending, approved, denied, expired [enum.defined_only]"],
      ["session verdicts and range", () => admin.client(SessionService).listSessions({ verdicts: [0], startTime: at(20), endTime: at(10) }),
        "verdicts[0] must be one of allowed, denied, failed, limited, masked, reviewed [enum.not_in]; startTime must be before endTime [sessions.time_range]"],
      ["usage dimensions", () => admin.client(UsageService).getUsage({ groupBy: [UsageDimension.MODEL, UsageDimension.MODEL] }),
        "groupBy must not list an item twice [repeated.unique]"],
      ["usage range", () => admin.client(UsageService).getUsage({ since: at(20), until: at(10) }),
        "since must be before until [usage.range]"],
      ["log range", () => admin.client(AuditLogService).verifyLog({ range: { fromSeq: -1n } }),
        "range.fromSeq must be at least 0 [int64.gte]"],
    ];
    for (const [what, call, message] of cases) {
      const error = await refusal(call());
      expect(error.code, what).toBe(Code.InvalidArgument);
      expect(error.rawMessage, what).toBe(message);
      expect(error.findDetails(ViolationsSchema)[0]?.violations.length, what).toBeGreaterThan(0);
    }
  });

  it("checks the request of a server stream before its handler answers", async () => {
    const stream = admin.client(SessionService).tailSessions({ verdicts: [99 as Verdict] });
    const error = await refusal((async () => { for await (const _ of stream) return; })());
    expect(error.code).toBe(Code.InvalidArgument);
    expect(error.rawMessage).toBe("verdicts[0] must be one of allowed, denied, failed, limited, masked, reviewed [enum.defined_only]");
  });

  it("lets a valid request through to its handler", async () => {
    const token = await admin.client(TokenService).createToken({ subject: "ci", ttl: at(60) });
    expect(token.token).not.toBe("");
    const block = await admin.client(BlockService).createBlock({ subject: "mallory", duration: at(1) });
    expect(block.block?.subject).toBe("mallory");
  });
});
