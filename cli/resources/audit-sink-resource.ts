// `kind: AuditSink` in the resource file: read from YAML, printed back (the webhook secret shows as
// `secretSet`, accepted and ignored on apply), and its table columns.
import { create } from "@bufbuild/protobuf";
import {
  type AuditSink, AuditSinkSchema, FileSinkTargetSchema, ResourceSchema, SyslogSinkTargetSchema,
  WebhookSinkTargetSchema, type Resource,
} from "../../gen/palisade/admin/v1/resources_pb.js";
import type { Columns } from "../output.js";
import type { MappingFields } from "./yaml-fields.js";

/** The fields an AuditSink takes besides `kind` and `name`. */
export const AUDIT_SINK_FIELDS = ["file", "webhook", "syslog", "events", "description"] as const;

const UINT32_MAX = 2 ** 32 - 1;

function readTarget(fields: MappingFields): AuditSink["target"] {
  const file = fields.mapping("file");
  const webhook = fields.mapping("webhook");
  const syslog = fields.mapping("syslog");
  const set = [file, webhook, syslog].filter((target) => target !== undefined).length;
  if (set !== 1) throw fields.errorAt(file ? "file" : webhook ? "webhook" : "syslog", "set exactly one of file, webhook, syslog");
  if (file) {
    file.only(["path", "maxBytes", "maxFiles"]);
    return {
      case: "file",
      value: create(FileSinkTargetSchema, {
        path: file.string("path", true),
        maxBytes: BigInt(file.integer("maxBytes", 0, Number.MAX_SAFE_INTEGER) ?? 0),
        maxFiles: file.integer("maxFiles", 0, UINT32_MAX) ?? 0,
      }),
    };
  }
  if (webhook) {
    webhook.only(["url", "secret", "batchSize"], ["secretSet"]);
    return {
      case: "webhook",
      value: create(WebhookSinkTargetSchema, {
        url: webhook.string("url", true),
        secret: webhook.string("secret") ?? "",
        batchSize: webhook.integer("batchSize", 0, UINT32_MAX) ?? 0,
      }),
    };
  }
  syslog!.only(["address", "tls", "caFile", "appName"]);
  return {
    case: "syslog",
    value: create(SyslogSinkTargetSchema, {
      address: syslog!.string("address", true),
      tls: syslog!.boolean("tls") ?? false,
      caFile: syslog!.string("caFile") ?? "",
      appName: syslog!.string("appName") ?? "",
    }),
  };
}

/** Reads an AuditSink document (after `kind` and `name`). */
export function readAuditSink(fields: MappingFields, name: string): Resource {
  const sink = create(AuditSinkSchema, {
    name,
    target: readTarget(fields),
    events: fields.strings("events"),
    description: fields.string("description") ?? "",
  });
  return create(ResourceSchema, { resource: { case: "auditSink", value: sink } });
}

function targetView(sink: AuditSink): Record<string, unknown> {
  const { case: which, value } = sink.target;
  if (which === "file") {
    return { file: { path: value.path, ...(value.maxBytes ? { maxBytes: Number(value.maxBytes) } : {}), ...(value.maxFiles ? { maxFiles: value.maxFiles } : {}) } };
  }
  if (which === "webhook") {
    return { webhook: { url: value.url, secretSet: value.secretSet, ...(value.batchSize ? { batchSize: value.batchSize } : {}) } };
  }
  if (which === "syslog") {
    return { syslog: { address: value.address, tls: value.tls, ...(value.caFile ? { caFile: value.caFile } : {}), ...(value.appName ? { appName: value.appName } : {}) } };
  }
  return {};
}

/** An AuditSink in file format (without times; the caller adds them). */
export function auditSinkView(sink: AuditSink): Record<string, unknown> & { kind: string; name: string } {
  return {
    kind: "AuditSink",
    name: sink.name,
    ...targetView(sink),
    ...(sink.events.length > 0 ? { events: [...sink.events] } : {}),
    ...(sink.description !== "" ? { description: sink.description } : {}),
  };
}

function destination(r: Record<string, unknown>): [string, string] {
  const file = r.file as { path?: string } | undefined;
  const webhook = r.webhook as { url?: string } | undefined;
  const syslog = r.syslog as { address?: string; tls?: boolean } | undefined;
  if (file) return ["file", file.path ?? ""];
  if (webhook) return ["webhook", webhook.url ?? ""];
  if (syslog) return [syslog.tls ? "syslog+tls" : "syslog", syslog.address ?? ""];
  return ["", ""];
}

/** Table columns of audit sinks. */
export const AUDIT_SINK_COLUMNS: Columns<Record<string, unknown> & { name: string }> = [
  ["name", (r) => r.name],
  ["target", (r) => destination(r)[0]],
  ["destination", (r) => destination(r)[1]],
  ["events", (r) => (Array.isArray(r.events) ? r.events.join(",") : "all")],
];
