// Reviews (issue 5): requests held by an agent for a human decision, and the review that held
// each recorded exchange.
import { Migration } from "@mikro-orm/migrations";

/** Creates the `review` table and adds `exchange.review_id`. */
export class Migration0007Reviews extends Migration {
  override name = "0007-reviews";

  override up(): void {
    // approvers, grant_ms and webhook are copied from the policy when the review is created, so a
    // later edit of the policy does not change who may decide a review already waiting.
    this.addSql(`create table review (
      id text primary key,
      session text not null,
      policy text not null,
      connection text not null,
      subject text not null,
      issuer text not null,
      email text not null default '',
      groups jsonb not null default '[]',
      model text not null default '',
      content_hash text not null,
      prompt text not null default '',
      approvers jsonb not null default '[]',
      grant_ms bigint not null,
      state text not null default 'pending' check (state in ('pending', 'approved', 'denied', 'expired')),
      hold_until timestamptz not null,
      created_at timestamptz not null default now(),
      decided_by text not null default '',
      decided_at timestamptz,
      reason text not null default '',
      grant_expire_time timestamptz,
      agent text not null)`);
    this.addSql("create index review_listing on review (created_at desc, id desc)");
    this.addSql("create index review_pending on review (hold_until) where state = 'pending'");
    this.addSql("create index review_decided on review (decided_at) where state in ('approved', 'denied')");
    this.addSql(`alter table exchange add column review_id text not null default ''`);
  }

  override down(): void {
    this.addSql("alter table exchange drop column if exists review_id");
    this.addSql("drop table if exists review");
  }
}
