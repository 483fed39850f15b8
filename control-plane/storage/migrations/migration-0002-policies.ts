// Policies (issue 4) and the deciding policy of each recorded exchange.
import { Migration } from "@mikro-orm/migrations";

/** Creates the `policy` table and adds `exchange.policy`. */
export class Migration0002Policies extends Migration {
  override name = "0002-policies";

  override up(): void {
    // Lists are jsonb like the other resources'; limits are 0 for "none", as in the proto.
    this.addSql(`create table policy (
      name text primary key,
      priority integer not null default 0,
      connections jsonb not null default '[]',
      when_expr text not null default '',
      keywords jsonb not null default '[]',
      patterns jsonb not null default '[]',
      action text not null default '',
      reason text not null default '',
      requests_per_minute integer not null default 0,
      tokens_per_hour bigint not null default 0,
      description text not null default '',
      created_at timestamptz not null default now(),
      updated_at timestamptz not null default now())`);
    this.addSql(`alter table exchange add column policy text not null default ''`);
  }

  override down(): void {
    this.addSql(`alter table exchange drop column if exists policy`);
    this.addSql(`drop table if exists policy`);
  }
}
