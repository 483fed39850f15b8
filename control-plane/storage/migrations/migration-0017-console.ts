// The web console (docs/console.md): an IdentityProvider's console client, one-time sign-in links
// and console sessions. Links and sessions are stored as SHA-256 hashes of their secrets.
import { Migration } from "@mikro-orm/migrations";

/** Adds `identity_provider.console_client_id`/`console_scopes` and the `console_link` and `console_session` tables. */
export class Migration0017Console extends Migration {
  override name = "0017-console";

  override up(): void {
    this.addSql("alter table identity_provider add column console_client_id text not null default ''");
    this.addSql("alter table identity_provider add column console_scopes jsonb not null default '[]'");
    this.addSql(`create table console_link (
      code_hash text primary key,
      admin_token text not null,
      created_at timestamptz not null,
      expires_at timestamptz not null)`);
    this.addSql(`create table console_session (
      token_hash text primary key,
      actor text not null,
      admin_token text not null default '',
      subject text not null default '',
      issuer text not null default '',
      groups jsonb not null default '[]',
      created_at timestamptz not null,
      expires_at timestamptz not null)`);
    this.addSql("create index console_session_expires on console_session (expires_at)");
  }

  override down(): void {
    this.addSql("drop table if exists console_session");
    this.addSql("drop table if exists console_link");
    this.addSql("alter table identity_provider drop column if exists console_scopes");
    this.addSql("alter table identity_provider drop column if exists console_client_id");
  }
}
