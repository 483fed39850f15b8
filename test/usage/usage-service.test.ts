// UsageService over stored exchanges: grouping, range bounds, refused and usage-less counts,
// filters, and INVALID_ARGUMENT for bad requests.
import { create } from "@bufbuild/protobuf";
import { timestampFromDate } from "@bufbuild/protobuf/wkt";
import { Code, ConnectError } from "@connectrpc/connect";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { UsageDimension, UsageService } from "../../gen/palisade/admin/v1/usage_service_pb.js";
import { UsageSchema, Verdict } from "../../gen/palisade/agent/v1/exchange_pb.js";
import { type AdminHarness, startAdminHarness } from "../admin/admin-harness.js";
import { exchange } from "../storage/exchange-fixtures.js";

const T0 = Date.UTC(2026, 0, 1, 12, 0, 0);
const at = (minutes: number) => timestampFromDate(new Date(T0 + minutes * 60_000));

describe("UsageService", () => {
  let admin: AdminHarness;
  beforeAll(async () => {
    admin = await startAdminHarness();
    const denied = exchange("d1", { subject: "bob", startedMs: T0 + 60_000 });
    denied.verdict = Verdict.DENIED;
    denied.usage = undefined;
    const noUsage = exchange("n1", { subject: "bob", startedMs: T0 + 120_000 });
    noUsage.usage = undefined;
    const other = exchange("o1", { subject: "alice", connection: "anthropic", startedMs: T0 + 180_000 });
    other.model = "claude";
    other.usage = create(UsageSchema, { promptTokens: 100n, completionTokens: 1n, totalTokens: 101n });
    await admin.sink.commit("agent-a", [
      exchange("a1", { subject: "alice", startedMs: T0 }), exchange("a2", { subject: "alice", startedMs: T0 + 30_000 }),
      exchange("late", { subject: "alice", startedMs: T0 + 3_600_000 }), denied, noUsage, other,
    ]);
  });
  afterAll(async () => { await admin?.close(); });

  it("sums per subject over [since, until), highest tokens first", async () => {
    const usage = admin.client(UsageService);
    const response = await usage.getUsage({ since: at(0), until: at(60) });
    expect(response.rows.map((r) => [r.subject, Number(r.requests), Number(r.refused), Number(r.withoutUsage), Number(r.totalTokens)])).toEqual([
      ["alice", 3, 0, 0, 46 * 2 + 101],
      ["bob", 2, 1, 1, 0],
    ]);
    expect(Number(response.total?.requests)).toBe(5);
    expect(Number(response.total?.promptTokens)).toBe(12 * 2 + 100);
  });

  it("groups by connection and model, and filters", async () => {
    const usage = admin.client(UsageService);
    const response = await usage.getUsage({ groupBy: [UsageDimension.CONNECTION, UsageDimension.MODEL], since: at(0), until: at(120), subject: "alice" });
    expect(response.rows.map((r) => [r.subject, r.connection, r.model, Number(r.requests)])).toEqual([
      ["", "openai", "gpt-test", 3],
      ["", "anthropic", "claude", 1],
    ]);
  });

  it("refuses a repeated dimension and an empty range", async () => {
    const usage = admin.client(UsageService);
    for (const request of [
      { groupBy: [UsageDimension.MODEL, UsageDimension.MODEL] },
      { groupBy: [UsageDimension.UNSPECIFIED] },
      { since: at(10), until: at(10) },
    ]) {
      const error = await usage.getUsage(request).then(() => undefined, (e: unknown) => ConnectError.from(e));
      expect(error?.code).toBe(Code.InvalidArgument);
    }
  });
});
