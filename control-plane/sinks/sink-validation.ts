// Checks of an AuditSink beyond the contract's field rules (proto/, enforced before this runs):
// the webhook URL rule, which the webhook client applies again before every send
// (docs/webhooks.md). Each failure is INVALID_ARGUMENT naming the sink.
import type { AuditSink } from "../../gen/palisade/admin/v1/resources_pb.js";
import { invalid } from "../admin/input-checks.js";
import { webhookUrlProblem } from "../webhooks/webhook-url.js";

/** Throws INVALID_ARGUMENT unless `sink` can be stored. */
export function checkAuditSink(sink: AuditSink): void {
  if (sink.target.case !== "webhook") return;
  const problem = webhookUrlProblem(sink.target.value.url);
  if (problem) throw invalid(`audit sink "${sink.name}": webhook url ${problem}`);
}
