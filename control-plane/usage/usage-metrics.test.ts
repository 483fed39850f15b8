// The usage series' labels stay bounded whatever callers send: models per connection and
// connections (an unknown connection is recorded with the name the caller typed) beyond their caps
// count as "other".
import { create } from "@bufbuild/protobuf";
import { Registry } from "prom-client";
import { describe, expect, it } from "vitest";
import { ExchangeSchema, Verdict } from "../../gen/palisade/agent/v1/exchange_pb.js";
import { createUsageMetrics, MAX_CONNECTIONS, MAX_MODELS_PER_CONNECTION } from "./usage-metrics.js";

describe("usage metrics", () => {
  it("cap connection and model label values", async () => {
    const registry = new Registry();
    const sink = createUsageMetrics(registry).instrument({ commit: async (_agent, exchanges) => exchanges.map((exchange) => exchange.id) });
    const exchanges = [
      ...Array.from({ length: MAX_CONNECTIONS + 20 }, (_, index) => create(ExchangeSchema, { id: `c${index}`, connection: `typed-${index}`, model: "m", verdict: Verdict.DENIED })),
      ...Array.from({ length: MAX_MODELS_PER_CONNECTION + 20 }, (_, index) => create(ExchangeSchema, { id: `m${index}`, connection: "typed-0", model: `model-${index}`, verdict: Verdict.ALLOWED })),
    ];
    await sink.commit("agent", exchanges);
    const values = (await registry.getSingleMetric("palisade_control_plane_usage_requests_total")!.get()).values;
    const connections = new Set(values.map((value) => value.labels.connection));
    expect(connections.size).toBe(MAX_CONNECTIONS + 1);
    expect(values.find((value) => value.labels.connection === "other")?.value).toBe(20);
    const models = new Set(values.filter((value) => value.labels.connection === "typed-0").map((value) => value.labels.model));
    expect(models.size).toBe(MAX_MODELS_PER_CONNECTION + 1);
    expect(values.reduce((sum, value) => sum + value.value, 0)).toBe(exchanges.length);
  });
});
