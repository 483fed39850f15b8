// Alert rules, the alerts they raised and blocks (by a rule or an admin).
import { Migration } from "@mikro-orm/migrations";

/** Creates `alert_rule`, `alert` and `block`. */
export class Migration0011AlertsBlocks extends Migration {
  override name = "0011-alerts-blocks";

  override up(): void {
    // `condition_type` names the oneof case; `condition` holds its settings with defaults filled in.
    this.addSql(`create table alert_rule (
      name text primary key,
      condition_type text not null,
      condition jsonb not null,
      auto_block_seconds integer,
      sinks jsonb not null default '[]',
      webhook text not null default '',
      description text not null default '',
      created_at timestamptz not null default now(),
      updated_at timestamptz not null default now())`);
    // One alert per rule, identity and window: the unique key is the dedup (docs/alerts.md).
    this.addSql(`create table alert (
      id text primary key,
      rule text not null,
      subject text not null,
      issuer text not null,
      dedup_key text not null,
      fired_at timestamptz not null default now(),
      session_ids jsonb not null default '[]',
      details jsonb not null default '{}',
      unique (rule, subject, issuer, dedup_key))`);
    this.addSql(`create index alert_fired_at_idx on alert (fired_at desc)`);
    this.addSql(`create table block (
      id bigserial primary key,
      subject text not null,
      issuer text not null default '',
      reason text not null,
      rule text not null default '',
      created_at timestamptz not null default now(),
      expire_time timestamptz not null,
      created_by text not null,
      lifted_at timestamptz,
      lifted_by text not null default '')`);
    this.addSql(`create index block_live_idx on block (expire_time) where lifted_at is null`);
    // The evaluator's aggregates: per identity over a time range, and refusals by verdict.
    this.addSql(`create index exchange_identity_time_idx on exchange (subject, issuer, started_at)`);
  }

  override down(): void {
    this.addSql("drop index if exists exchange_identity_time_idx");
    for (const table of ["block", "alert", "alert_rule"]) this.addSql(`drop table if exists ${table}`);
  }
}
