import { create } from "@bufbuild/protobuf";
import { timestampFromMs } from "@bufbuild/protobuf/wkt";
import { describe, expect, it } from "vitest";
import { Verdict } from "../../gen/palisade/agent/v1/exchange_pb.js";
import { BlockSchema, BudgetStateSchema } from "../../gen/palisade/agent/v1/snapshot_pb.js";
import type { CompiledSnapshot } from "../config/compile-snapshot.js";
import type { Verification } from "../../core/identity/verifier.js";
import { compileBlocks } from "../policy/blocks.js";
import { compileBudgets } from "../policy/budgets.js";
import { refusalAfterHold } from "./after-hold.js";

const NOW = Date.parse("2026-12-07T15:00:00Z");
const identity = { subject: "ann", email: "", groups: ["eng"], issuer: "urn:idp", claims: { sub: "ann" } };
const held = { session: "s1", token: "t", identity, connection: "openai", model: "m", maxTokens: undefined, promptTokens: 0 };

function snapshot(verification: Verification, options: { blocked?: boolean; spent?: boolean } = {}): CompiledSnapshot {
  return {
    identity: { verify: async () => verification },
    blocks: compileBlocks(options.blocked ? [create(BlockSchema, { subject: "ann", reason: "r", expireTime: timestampFromMs(NOW + 60_000) })] : []),
    budgets: compileBudgets(options.spent ? [create(BudgetStateSchema, { budget: "b", per: "subject", key: "ann", spent: true, summary: "x", resetTime: timestampFromMs(NOW + 60_000) })] : []),
  } as unknown as CompiledSnapshot;
}

describe("refusalAfterHold", () => {
  const ok: Verification = { ok: true, identity };
  it("lets a caller still in good standing go", async () => {
    expect(await refusalAfterHold(snapshot(ok), held, () => NOW)).toBeUndefined();
  });
  it("refuses what reached the agent meanwhile: a revocation, a block, a spent budget, an issuer away, no configuration", async () => {
    expect(await refusalAfterHold(snapshot({ ok: false, reason: "token revoked" }), held, () => NOW)).toMatchObject({ refusal: { status: 401 }, reason: "before forwarding: token revoked", verdict: Verdict.DENIED });
    expect(await refusalAfterHold(snapshot({ ok: false, reason: "away", unreachable: true }), held, () => NOW)).toMatchObject({ refusal: { status: 503 }, headers: { "retry-after": "5" } });
    expect(await refusalAfterHold(snapshot(ok, { blocked: true }), held, () => NOW)).toMatchObject({ refusal: { status: 403 }, reason: expect.stringMatching(/^blocked until/) });
    expect(await refusalAfterHold(snapshot(ok, { spent: true }), held, () => NOW)).toMatchObject({ refusal: { status: 429 }, verdict: Verdict.LIMITED, reason: expect.stringMatching(/^blocked by budget b/) });
    expect(await refusalAfterHold(undefined, held, () => NOW)).toMatchObject({ refusal: { status: 503 } });
  });
});
