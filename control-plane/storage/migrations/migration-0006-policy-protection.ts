// Data protection (issue 5): the mask, review and record fields of policies, and what the agent
// reports of masking in each exchange (findings, what the bodies hold, the mask policies applied).
import { Migration } from "@mikro-orm/migrations";

/** Adds the mask/review/record columns to `policy` and the masking columns to `exchange`. */
export class Migration0006PolicyProtection extends Migration {
  override name = "0006-policy-protection";

  override up(): void {
    // Enums are stored by name ("both", "pseudonymize", "masked"), "" when not set, like `action`;
    // durations in whole seconds, 0 when not set (the agent applies the defaults).
    this.addSql(`alter table policy
      add column detectors jsonb not null default '[]',
      add column mask_patterns jsonb not null default '[]',
      add column mask_words jsonb not null default '[]',
      add column phone_region text not null default '',
      add column direction text not null default '',
      add column style text not null default '',
      add column restore boolean not null default false,
      add column record text not null default '',
      add column approvers jsonb not null default '[]',
      add column wait_seconds integer not null default 0,
      add column grant_seconds integer not null default 0,
      add column webhook text not null default ''`);
    this.addSql(`alter table exchange
      add column findings jsonb not null default '[]',
      add column recorded_bodies integer not null default 0,
      add column mask_policies jsonb not null default '[]'`);
  }

  override down(): void {
    this.addSql(`alter table exchange drop column if exists findings,
      drop column if exists recorded_bodies, drop column if exists mask_policies`);
    this.addSql(`alter table policy drop column if exists detectors, drop column if exists mask_patterns,
      drop column if exists mask_words, drop column if exists phone_region, drop column if exists direction,
      drop column if exists style, drop column if exists restore, drop column if exists record,
      drop column if exists approvers, drop column if exists wait_seconds, drop column if exists grant_seconds,
      drop column if exists webhook`);
  }
}
