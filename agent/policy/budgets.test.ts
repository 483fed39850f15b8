import { create } from "@bufbuild/protobuf";
import { timestampFromMs } from "@bufbuild/protobuf/wkt";
import { describe, expect, it } from "vitest";
import { BudgetStateSchema } from "../../gen/palisade/agent/v1/snapshot_pb.js";
import { compileBudgets, type BudgetRequest } from "./budgets.js";

const reset = Date.parse("2026-12-07T23:00:00Z");
const request = (over: Partial<BudgetRequest> = {}): BudgetRequest => ({ subject: "alice", groups: ["eng"], connection: "openai", model: "gpt-4o", maxTokens: undefined, promptTokens: 0, ...over });
const state = (over: Record<string, unknown>) => create(BudgetStateSchema, {
  budget: "daily", per: "subject", key: "alice", tokensCapped: true, remainingTokens: 0n, spent: true,
  resetTime: timestampFromMs(reset), summary: "1000 of 1000 tokens this day (Europe/Paris)", ...over,
});

describe("budget refusals on the agent", () => {
  it("refuses a spent scope's requests until its reset time, by the agent's clock", () => {
    const book = compileBudgets([state({})]);
    const refusal = book.check(request(), reset - 90_500);
    expect(refusal).toMatchObject({ budget: "daily", retryAfterSeconds: 91 });
    expect(refusal!.message).toMatch(/budget daily for subject alice is spent \(1000 of 1000 tokens this day \(Europe\/Paris\)\); it resets at 2026-12-07T23:00:00.000Z/);
    expect(refusal!.reason).toMatch(/^blocked by budget daily/);
    expect(book.check(request(), reset)).toBeUndefined(); // the boundary: served again without a new snapshot
    expect(book.check(request({ subject: "bob" }), reset - 1)).toBeUndefined();
  });

  it("matches by scope and by the budget's filters", () => {
    const book = compileBudgets([
      state({ budget: "team", per: "group", key: "eng", connections: ["openai"] }),
      state({ budget: "models", per: "model", key: "gpt-4o", subjects: ["carol"] }),
      state({ budget: "everyone", per: "all", key: "", models: ["o3"] }),
    ]);
    expect(book.check(request({ subject: "dave" }), 0)?.budget).toBe("team");
    expect(book.check(request({ subject: "dave", connection: "claude" }), 0)).toBeUndefined();
    expect(book.check(request({ subject: "carol", groups: [] }), 0)?.budget).toBe("models");
    expect(book.check(request({ subject: "erin", groups: [], model: "o3" }), 0)?.budget).toBe("everyone");
    expect(book.check(request({ subject: "erin", groups: [], model: "o4" }), 0)).toBeUndefined();
  });

  it("matches a models filter with patterns: a dated alias does not escape it", () => {
    const book = compileBudgets([state({ budget: "gpt-4o-only", per: "all", key: "", modelPatterns: ["gpt-4o", "gpt-4o-2*", "chatgpt-4o-latest"] })]);
    for (const model of ["gpt-4o", "gpt-4o-2024-08-06", "gpt-4o-2024-11-20", "chatgpt-4o-latest"]) {
      expect(book.check(request({ groups: [], model }), 0)?.budget).toBe("gpt-4o-only");
    }
    expect(book.check(request({ groups: [], model: "gpt-4o-mini" }), 0)).toBeUndefined();
    expect(compileBudgets([state({ per: "all", key: "", modelPatterns: ["*"] })]).check(request({ groups: [], model: "anything" }), 0)).toBeDefined();
  });

  it("refuses up front a max_tokens above the tokens left, and lets a smaller one through", () => {
    const book = compileBudgets([state({ spent: false, remainingTokens: 300n, summary: "700 of 1000 tokens this day (UTC)" })]);
    expect(book.check(request({ maxTokens: 301 }), 0)?.message).toMatch(/has 300 tokens left until .* fewer than this request may use: its prompt \(about 0 tokens\) and max_tokens \(301\)/);
    expect(book.check(request({ maxTokens: 300 }), 0)).toBeUndefined();
    expect(book.check(request(), 0)).toBeUndefined();
  });

  it("counts the prompt too: a long prompt with a small max_tokens, or none, is refused when the two exceed what is left", () => {
    const book = compileBudgets([state({ spent: false, remainingTokens: 300n, summary: "700 of 1000 tokens this day (UTC)" })]);
    expect(book.check(request({ promptTokens: 250, maxTokens: 51 }), 0)?.reason).toMatch(/prompt ~250 \+ max_tokens 51 above the 300 tokens left/);
    expect(book.check(request({ promptTokens: 250, maxTokens: 50 }), 0)).toBeUndefined();
    expect(book.check(request({ promptTokens: 100_000 }), 0)?.message).toMatch(/fewer than this request may use: its prompt \(about 100000 tokens\);/);
    expect(book.check(request({ promptTokens: 300 }), 0)).toBeUndefined();
  });

  it("refuses (NACK) a state it cannot read", () => {
    expect(() => compileBudgets([state({ per: "team" })])).toThrow(/unknown scope/);
    expect(() => compileBudgets([state({ resetTime: undefined })])).toThrow(/no reset time/);
  });
});
