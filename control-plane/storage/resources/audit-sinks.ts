// AuditSinks: stored with the target's fields as JSON and the webhook secret sealed
// (crypto/secret-box.ts); returned without the secret, read back with it only by the sink workers.
import { create } from "@bufbuild/protobuf";
import { timestampFromDate } from "@bufbuild/protobuf/wkt";
import type { InferEntity } from "@mikro-orm/core";
import type { EntityManager } from "@mikro-orm/sql";
import {
  type AuditSink, AuditSinkSchema, FileSinkTargetSchema, Kind, SyslogSinkTargetSchema, WebhookSinkTargetSchema,
} from "../../../gen/palisade/admin/v1/resources_pb.js";
import { secretBox } from "../../crypto/secret-registry.js";
import { AuditSinkRow } from "../sink-entities.js";
import { InvalidResourceError, Outcome, type ResourceKind, sameList } from "./resource-kind.js";
import { rowReads } from "./row-kind.js";

type Row = InferEntity<typeof AuditSinkRow>;

/** The stored form of a sink's target: its kind and fields, never the secret. */
export interface StoredTarget {
  target: "file" | "webhook" | "syslog";
  config: Record<string, string | number | boolean>;
}

/** A sink as its worker needs it: stored fields plus the webhook secret in clear. */
export interface StoredAuditSink extends StoredTarget {
  name: string;
  events: string[];
  secret: string;
  /** Changes whenever the resource does: a worker restarts on a new value. */
  version: string;
}

/** The target of `sink` in stored form; undefined when none is set. */
export function storedTarget(sink: AuditSink): StoredTarget | undefined {
  const { case: which, value } = sink.target;
  switch (which) {
    case "file":
      return { target: "file", config: { path: value.path, maxBytes: Number(value.maxBytes), maxFiles: value.maxFiles } };
    case "webhook":
      return { target: "webhook", config: { url: value.url, batchSize: value.batchSize } };
    case "syslog":
      return { target: "syslog", config: { address: value.address, tls: value.tls, caFile: value.caFile, appName: value.appName } };
    default:
      return undefined;
  }
}

function toMessage(row: Row): AuditSink {
  const c = row.config;
  const target = row.target === "file"
    ? { case: "file" as const, value: create(FileSinkTargetSchema, { path: String(c.path ?? ""), maxBytes: BigInt(Number(c.maxBytes ?? 0)), maxFiles: Number(c.maxFiles ?? 0) }) }
    : row.target === "webhook"
      ? { case: "webhook" as const, value: create(WebhookSinkTargetSchema, { url: String(c.url ?? ""), secretSet: row.secretSealed !== null, batchSize: Number(c.batchSize ?? 0) }) }
      : { case: "syslog" as const, value: create(SyslogSinkTargetSchema, { address: String(c.address ?? ""), tls: c.tls === true, caFile: String(c.caFile ?? ""), appName: String(c.appName ?? "") }) };
  return create(AuditSinkSchema, {
    name: row.name,
    target,
    events: row.events,
    description: row.description,
    createTime: timestampFromDate(row.createdAt),
    updateTime: timestampFromDate(row.updatedAt),
  });
}

function sameConfig(a: Record<string, unknown>, b: Record<string, unknown>): boolean {
  const keys = new Set([...Object.keys(a), ...Object.keys(b)]);
  return [...keys].every((key) => a[key] === b[key]);
}

/**
 * Every sink with its secret opened, ordered by name (for the delivery workers only). A sink whose
 * secret cannot be opened is passed to `unreadable` and left out; the others still load.
 */
export async function loadAuditSinks(em: EntityManager, unreadable: (name: string, error: unknown) => void = () => {}): Promise<StoredAuditSink[]> {
  const rows = await em.find(AuditSinkRow, {}, { orderBy: { name: "asc" } });
  return rows.flatMap((row) => {
    let secret = "";
    try {
      secret = row.secretSealed ? secretBox(em).open(row.secretSealed) : "";
    } catch (error) {
      unreadable(row.name, error);
      return [];
    }
    return [{
      name: row.name,
      target: row.target as StoredTarget["target"],
      config: row.config as StoredTarget["config"],
      events: row.events,
      secret,
      version: row.updatedAt.toISOString(),
    }];
  });
}

/** Storage of AuditSink resources; a new sink gets a cursor at 0 (it delivers the whole log). */
export const auditSinks: ResourceKind<AuditSink> = {
  ...rowReads({ kind: Kind.AUDIT_SINK, label: "audit sink", entity: AuditSinkRow, toMessage: toMessage }),
  async apply(tx, message, now) {
    const wanted = storedTarget(message);
    if (!wanted) throw new InvalidResourceError(`audit sink "${message.name}": set one target (file, webhook or syslog)`);
    const secret = message.target.case === "webhook" && message.target.value.secret !== "" ? message.target.value.secret : undefined;
    const row = await tx.findOne(AuditSinkRow, { name: message.name });
    const fields = { target: wanted.target, config: wanted.config, events: [...message.events], description: message.description };
    if (!row) {
      if (wanted.target === "webhook" && secret === undefined) {
        throw new InvalidResourceError(`audit sink "${message.name}": webhook secret is required when creating it`);
      }
      tx.create(AuditSinkRow, {
        name: message.name, ...fields,
        secretSealed: secret === undefined ? null : secretBox(tx).seal(secret),
        createdAt: now, updatedAt: now,
      });
      await tx.flush();
      await tx.execute("insert into sink_cursor (sink, last_seq) values (?, 0) on conflict (sink) do nothing", [message.name]);
      return Outcome.CREATED;
    }
    // An update without a secret keeps the stored one; a target other than webhook has none.
    if (wanted.target === "webhook" && secret === undefined && row.secretSealed === null) {
      throw new InvalidResourceError(`audit sink "${message.name}": webhook secret is required (none is stored)`);
    }
    const stored = row.secretSealed ? secretBox(tx).open(row.secretSealed) : null;
    const nextSecret = wanted.target !== "webhook" ? null : secret ?? stored;
    if (fields.target === row.target && sameConfig(fields.config, row.config) && sameList(fields.events, row.events)
      && fields.description === row.description && nextSecret === stored) {
      return Outcome.UNCHANGED;
    }
    const secretSealed = nextSecret === stored ? row.secretSealed : nextSecret === null ? null : secretBox(tx).seal(nextSecret);
    Object.assign(row, fields, { secretSealed, updatedAt: now });
    await tx.flush();
    return Outcome.UPDATED;
  },
};
