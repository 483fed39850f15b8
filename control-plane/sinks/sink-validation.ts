// Checks of an AuditSink before it is stored; each failure is INVALID_ARGUMENT naming the sink.
import { isAbsolute } from "node:path";
import type { AuditSink } from "../../gen/palisade/admin/v1/resources_pb.js";
import { checkName, invalid } from "../admin/input-checks.js";
import { webhookUrlProblem } from "../webhooks/webhook-url.js";

/** The event types a sink may select. */
export const SINK_EVENT_TYPES = ["session", "admin", "alert", "review", "block"] as const;

const MIN_FILE_BYTES = 4096;
const MAX_FILES = 1000;
const MAX_BATCH = 10_000;

function checkAddress(what: string, address: string): void {
  const match = /^(?:\[([^\]]+)\]|([^:[\]]+)):(\d{1,5})$/.exec(address);
  if (!match || Number(match[3]) < 1 || Number(match[3]) > 65_535) {
    throw invalid(`${what}: syslog address must be "host:port"`);
  }
}

/** Throws INVALID_ARGUMENT unless `sink` can be stored. */
export function checkAuditSink(sink: AuditSink): void {
  const what = `audit sink "${sink.name}"`;
  checkName("audit sink", sink.name);
  const { case: which, value } = sink.target;
  if (which === "file") {
    if (!isAbsolute(value.path)) throw invalid(`${what}: file path must be absolute`);
    if (value.maxBytes !== 0n && value.maxBytes < BigInt(MIN_FILE_BYTES)) throw invalid(`${what}: file maxBytes must be 0 (100 MiB) or at least ${MIN_FILE_BYTES}`);
    if (value.maxFiles > MAX_FILES) throw invalid(`${what}: file maxFiles must be at most ${MAX_FILES}`);
  } else if (which === "webhook") {
    const problem = webhookUrlProblem(value.url);
    if (problem) throw invalid(`${what}: webhook url ${problem}`);
    if (/[\r\n\0]/.test(value.secret)) throw invalid(`${what}: webhook secret must be one line`);
    if (value.batchSize > MAX_BATCH) throw invalid(`${what}: webhook batchSize must be at most ${MAX_BATCH}`);
  } else if (which === "syslog") {
    checkAddress(what, value.address);
    if (value.caFile !== "" && !isAbsolute(value.caFile)) throw invalid(`${what}: syslog caFile must be an absolute path`);
    if (value.caFile !== "" && !value.tls) throw invalid(`${what}: syslog caFile needs tls: true`);
    // RFC 5424 APP-NAME: 1 to 48 printable US-ASCII characters.
    if (value.appName !== "" && !/^[!-~]{1,48}$/.test(value.appName)) throw invalid(`${what}: syslog appName must be 1-48 printable ASCII characters without spaces`);
  } else {
    throw invalid(`${what}: set one target (file, webhook or syslog)`);
  }
  const seen = new Set<string>();
  for (const type of sink.events) {
    if (!(SINK_EVENT_TYPES as readonly string[]).includes(type)) {
      throw invalid(`${what}: unknown event type "${type}" (one of ${SINK_EVENT_TYPES.join(", ")})`);
    }
    if (seen.has(type)) throw invalid(`${what}: event type "${type}" appears twice`);
    seen.add(type);
  }
}
