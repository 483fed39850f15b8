// Token revocation (issue 4): revocations pushed to agents, the control plane's issued tokens (so a
// revocation by jti knows when the token would have expired anyway), and connections restricted
// to groups.
import { Migration } from "@mikro-orm/migrations";

/** Adds token_revocation, issued_token and connection.allowed_groups. */
export class Migration0003Revocations extends Migration {
  override name = "0003-revocations";

  override up(): void {
    // One revoked token (jti set) or every token of a subject issued before a time (subject set).
    this.addSql(`create table token_revocation (
      id bigserial primary key,
      jti text,
      subject text,
      issued_before timestamptz,
      issuer text not null,
      expire_time timestamptz not null,
      created_at timestamptz not null default now(),
      actor text not null,
      check ((jti is null) <> (subject is null)))`);
    this.addSql(`create index token_revocation_expire_idx on token_revocation (expire_time)`);
    // Tokens the control plane signed: enough to revoke one by jti and to know when it expires.
    this.addSql(`create table issued_token (
      jti text primary key,
      subject text not null,
      expire_time timestamptz not null,
      created_at timestamptz not null default now())`);
    this.addSql(`create index issued_token_expire_idx on issued_token (expire_time)`);
    this.addSql(`alter table connection add column allowed_groups jsonb not null default '[]'`);
  }
}
