// AuditSinks: where the control plane sends audit events, and how far each one has got.
import { Migration } from "@mikro-orm/migrations";

/** Creates `audit_sink` (the resource) and `sink_cursor` (the last audit_log seq delivered per sink). */
export class Migration0010AuditSinks extends Migration {
  override name = "0010-audit-sinks";

  override up(): void {
    // `target` is file, webhook or syslog; `config` holds that target's fields except the webhook
    // secret, which is sealed like connection credentials (crypto/secret-box.ts).
    this.addSql(`create table audit_sink (
      name text primary key,
      target text not null,
      config jsonb not null default '{}',
      secret_sealed text,
      events jsonb not null default '[]',
      description text not null default '',
      created_at timestamptz not null default now(),
      updated_at timestamptz not null default now())`);
    // Deleting a sink drops its cursor: a sink created again under the same name starts afresh.
    this.addSql(`create table sink_cursor (
      sink text primary key references audit_sink (name) on delete cascade,
      last_seq bigint not null default 0,
      updated_at timestamptz not null default now())`);
  }

  override down(): void {
    this.addSql("drop table if exists sink_cursor");
    this.addSql("drop table if exists audit_sink");
  }
}
