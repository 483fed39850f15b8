// Every webhook URL of every resource kind is redacted for readers below admin: found by
// reflection, so a kind or field added later is covered by the same rule.
import { create } from "@bufbuild/protobuf";
import { describe, expect, it } from "vitest";
import { ListResourcesResponseSchema } from "../../gen/palisade/admin/v1/resource_service_pb.js";
import { redactedWebhookUrl, withWebhookUrlsRedacted } from "./webhook-secrets.js";

const hook = "https://hooks.example.com/services/T0/B0/secret-path?token=x";

describe("withWebhookUrlsRedacted", () => {
  it("leaves the origin of every webhook URL (policies, alert rules, budgets, webhook sinks) and nothing else changed", () => {
    const answer = create(ListResourcesResponseSchema, { resources: [
      { resource: { case: "policy", value: { name: "p", webhook: hook, approvers: ["x"] } } },
      { resource: { case: "alertRule", value: { name: "a", webhook: hook, description: hook } } },
      { resource: { case: "budget", value: { name: "b", webhook: hook } } },
      { resource: { case: "auditSink", value: { name: "s", target: { case: "webhook", value: { url: hook, batchSize: 5 } } } } },
      { resource: { case: "connection", value: { name: "c", upstream: "https://api.example.com/v1" } } },
    ] });
    const out = withWebhookUrlsRedacted(ListResourcesResponseSchema, answer);
    const [policy, alert, budget, sink, connection] = out.resources.map((resource) => resource.resource);
    expect(policy?.case === "policy" && policy.value.webhook).toBe("https://hooks.example.com/…");
    expect(alert?.case === "alertRule" && [alert.value.webhook, alert.value.description]).toEqual(["https://hooks.example.com/…", hook]);
    expect(budget?.case === "budget" && budget.value.webhook).toBe("https://hooks.example.com/…");
    expect(sink?.case === "auditSink" && sink.value.target.case === "webhook" && sink.value.target.value).toMatchObject({ url: "https://hooks.example.com/…", batchSize: 5 });
    expect(connection?.case === "connection" && connection.value.upstream).toBe("https://api.example.com/v1");
    // The answer given is not changed (it may be the one an admin reads).
    expect(answer.resources[0]?.resource.case === "policy" && answer.resources[0].resource.value.webhook).toBe(hook);
  });

  it("keeps an empty URL empty and hides one that does not parse", () => {
    expect(redactedWebhookUrl("")).toBe("");
    expect(redactedWebhookUrl("not a url/secret")).toBe("…");
  });
});
