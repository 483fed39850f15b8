// AuditSink as a resource: apply/get/list/delete through ResourceService, the webhook secret
// write-only and sealed at rest, a cursor per sink, validation, and the resource file round trip.
import { create, type MessageInitShape, toJson } from "@bufbuild/protobuf";
import { Code } from "@connectrpc/connect";
import { stringify } from "yaml";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ListResourcesResponseSchema, Outcome, ResourceService } from "../../gen/palisade/admin/v1/resource_service_pb.js";
import { type AuditSink, AuditSinkSchema, Kind, ResourceSchema } from "../../gen/palisade/admin/v1/resources_pb.js";
import { loadAuditSinks } from "../../control-plane/storage/resources/audit-sinks.js";
import { parseResources } from "../../cli/resources/parse-resources.js";
import { resourceView } from "../../cli/resources/resource-view.js";
import { type AdminHarness, refusal, startAdminHarness } from "../admin/admin-harness.js";

function sink(init: MessageInitShape<typeof AuditSinkSchema> & { name: string }) {
  return create(ResourceSchema, { resource: { case: "auditSink", value: create(AuditSinkSchema, init) } });
}

const webhook = (name: string, secret = "whsec-very-secret", url = "https://siem.example.com/hook") =>
  sink({ name, target: { case: "webhook", value: { url, secret, batchSize: 50 } }, events: ["session", "alert"] });

describe("AuditSink resources", () => {
  let admin: AdminHarness;
  beforeAll(async () => { admin = await startAdminHarness(); });
  afterAll(async () => { await admin?.close(); });

  it("stores a webhook sink with its secret sealed, never returned, kept on update", async () => {
    const client = admin.client(ResourceService);
    const first = await client.apply({ resources: [webhook("siem")] });
    expect(first.results[0]!.outcome).toBe(Outcome.CREATED);
    expect((await client.apply({ resources: [webhook("siem")] })).results[0]!.outcome).toBe(Outcome.UNCHANGED);
    // Without the secret: the stored one stays.
    const moved = await client.apply({ resources: [webhook("siem", "", "https://siem2.example.com/hook")] });
    expect(moved.results[0]!.outcome).toBe(Outcome.UPDATED);

    const { resource } = await client.getResource({ kind: Kind.AUDIT_SINK, name: "siem" });
    const value = resource!.resource.value as AuditSink;
    expect(value.target.case).toBe("webhook");
    const target = value.target.value as { secret: string; secretSet: boolean; url: string; batchSize: number };
    expect(target).toMatchObject({ secret: "", secretSet: true, url: "https://siem2.example.com/hook", batchSize: 50 });
    expect(value.events).toEqual(["session", "alert"]);
    const listed = await client.listResources({ kind: Kind.AUDIT_SINK });
    expect(JSON.stringify(toJson(ListResourcesResponseSchema, listed))).not.toContain("whsec");

    const rows = await admin.db.em().execute<{ secret_sealed: string; config: unknown }[]>("select secret_sealed, config from audit_sink where name = 'siem'");
    expect(rows[0]!.secret_sealed).not.toContain("whsec");
    expect(JSON.stringify(rows[0]!.config)).not.toContain("whsec");
    const [loaded] = await loadAuditSinks(admin.db.em());
    expect(loaded).toMatchObject({ name: "siem", target: "webhook", secret: "whsec-very-secret" });
    const cursor = await admin.db.em().execute<{ last_seq: string | number }[]>("select last_seq from sink_cursor where sink = 'siem'");
    expect(Number(cursor[0]!.last_seq)).toBe(0);
  });

  it("switches targets and deletes the sink with its cursor", async () => {
    const client = admin.client(ResourceService);
    await client.apply({ resources: [webhook("switch")] });
    const file = sink({ name: "switch", target: { case: "file", value: { path: "/var/log/palisade/audit.jsonl", maxBytes: 1_048_576n, maxFiles: 3 } } });
    expect((await client.apply({ resources: [file] })).results[0]!.outcome).toBe(Outcome.UPDATED);
    const rows = await admin.db.em().execute<{ secret_sealed: string | null }[]>("select secret_sealed from audit_sink where name = 'switch'");
    expect(rows[0]!.secret_sealed).toBeNull();
    // Back to a webhook: the dropped secret must be given again.
    expect((await refusal(client.apply({ resources: [webhook("switch", "")] }))).message).toMatch(/webhook secret is required/);

    await client.deleteResource({ kind: Kind.AUDIT_SINK, name: "switch" });
    expect((await refusal(client.getResource({ kind: Kind.AUDIT_SINK, name: "switch" }))).code).toBe(Code.NotFound);
    const cursor = await admin.db.em().execute("select * from sink_cursor where sink = 'switch'");
    expect(cursor).toHaveLength(0);
  });

  it("refuses invalid sinks with INVALID_ARGUMENT naming them", async () => {
    const client = admin.client(ResourceService);
    const cases: Array<[ReturnType<typeof sink>, RegExp]> = [
      [sink({ name: "none" }), /audit sink "none": target needs one of file, webhook or syslog set \[required\]/],
      [webhook("nosecret", ""), /audit sink "nosecret": webhook secret is required/],
      [webhook("plain", "s", "http://siem.example.com/hook"), /webhook url must be https/],
      [webhook("creds", "s", "https://siem:pw@siem.example.com/hook"), /audit sink "creds": webhook url must not carry credentials/],
      [sink({ name: "rel", target: { case: "file", value: { path: "audit.jsonl" } } }), /audit sink "rel": file.path must be an absolute path \[file_sink.path\]/],
      [sink({ name: "tiny", target: { case: "file", value: { path: "/tmp/a", maxBytes: 10n } } }), /audit sink "tiny": file.maxBytes must be 0 \(100 MiB\) or at least 4096 \[file_sink.max_bytes\]/],
      [sink({ name: "addr", target: { case: "syslog", value: { address: "syslog.example.com" } } }), /audit sink "addr": syslog.address must be a valid host \(hostname or IP address\) and port pair \[string.host_and_port\]/],
      [sink({ name: "app", target: { case: "syslog", value: { address: "h:514", appName: "has space" } } }), /audit sink "app": syslog.appName must be 1-48 printable ASCII characters without spaces \[syslog_sink.app_name\]/],
      [sink({ name: "ev", target: { case: "syslog", value: { address: "h:514" } }, events: ["sessions"] }), /audit sink "ev": events\[0\] must be in list \[session, admin, alert, review, block\] \[string.in\]/],
    ];
    for (const [resource, message] of cases) {
      const error = await refusal(client.apply({ resources: [resource] }));
      expect(error.code, String(message)).toBe(Code.InvalidArgument);
      expect(error.message).toMatch(message);
    }
    // http to this machine is allowed (a local collector).
    expect((await client.apply({ resources: [webhook("local", "s", "http://127.0.0.1:9000/hook")] })).results[0]!.outcome).toBe(Outcome.CREATED);
  });

  it("reads the resource file and prints it back so it applies again", () => {
    const [parsed] = parseResources(`kind: AuditSink
name: syslog-tls
syslog: { address: "siem.example.com:6514", tls: true, caFile: /etc/palisade/siem-ca.pem, appName: palisade-prod }
events: [admin, alert]
description: SOC collector
`);
    const value = parsed!.resource.resource.value as AuditSink;
    expect(value.target.case).toBe("syslog");
    expect(value.target.value).toMatchObject({ address: "siem.example.com:6514", tls: true, caFile: "/etc/palisade/siem-ca.pem", appName: "palisade-prod" });
    const view = resourceView(parsed!.resource);
    const [again] = parseResources(stringify(view));
    expect(again!.resource).toEqual(parsed!.resource);

    const hook = resourceView(webhook("w"));
    expect(hook).toMatchObject({ kind: "AuditSink", webhook: { url: "https://siem.example.com/hook", secretSet: false, batchSize: 50 } });
    expect(() => parseResources("kind: AuditSink\nname: two\nfile: { path: /a }\nsyslog: { address: 'h:1' }\n")).toThrow(/exactly one of file, webhook, syslog/);
  });
});
