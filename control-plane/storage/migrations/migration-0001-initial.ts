// The first schema. Plain SQL that PostgreSQL and PGlite both run unchanged.
import { Migration } from "@mikro-orm/migrations";

/** Creates every table of the spine: configuration, agents, exchanges, change events, keys, tokens. */
export class Migration0001Initial extends Migration {
  override name = "0001-initial";

  override up(): void {
    this.addSql(`create table connection (
      name text primary key,
      provider text not null,
      upstream text not null,
      credential_header text,
      credential_value text,
      segments jsonb not null default '[]',
      created_at timestamptz not null default now(),
      updated_at timestamptz not null default now())`);
    this.addSql(`create table identity_provider (
      name text primary key,
      issuer text not null,
      audience text not null,
      jwks_uri text not null default '',
      groups_claim text not null default 'groups',
      created_at timestamptz not null default now(),
      updated_at timestamptz not null default now())`);
    this.addSql(`create table service_account (
      name text primary key,
      groups jsonb not null default '[]',
      description text not null default '',
      created_at timestamptz not null default now(),
      updated_at timestamptz not null default now())`);
    this.addSql(`create table agent (
      name text primary key,
      segment text not null default '',
      token_hash text not null,
      connected boolean not null default false,
      version text not null default '',
      applied_version text not null default '',
      last_error text not null default '',
      last_seen timestamptz,
      created_at timestamptz not null default now())`);
    // One row per proxied exchange. Nullable columns mean "not reported" (no identity, no usage).
    this.addSql(`create table exchange (
      id text primary key,
      agent text not null,
      connection text not null,
      subject text,
      email text,
      groups jsonb,
      issuer text,
      method text not null,
      path text not null,
      model text not null,
      stream boolean not null,
      status integer not null,
      verdict integer not null,
      reason text not null,
      request_body text not null,
      response_body text not null,
      request_truncated boolean not null,
      response_truncated boolean not null,
      prompt_tokens bigint,
      completion_tokens bigint,
      total_tokens bigint,
      started_at timestamptz not null,
      time_to_first_byte_ns bigint,
      duration_ns bigint,
      error text not null,
      committed_at timestamptz not null default now())`);
    this.addSql(`create index exchange_started_at_idx on exchange (started_at desc, id desc)`);
    this.addSql(`create index exchange_subject_idx on exchange (subject, started_at desc)`);
    this.addSql(`create index exchange_connection_idx on exchange (connection, started_at desc)`);
    // The snapshot version is max(id): it grows with every committed admin change.
    this.addSql(`create table change_event (
      id bigserial primary key,
      kind text not null,
      name text not null,
      action text not null,
      actor text not null,
      created_at timestamptz not null default now())`);
    this.addSql(`create table signing_key (
      kid text primary key,
      private_jwk jsonb not null,
      public_jwk jsonb not null,
      created_at timestamptz not null default now())`);
    this.addSql(`create table admin_token (
      name text primary key,
      token_hash text not null,
      created_at timestamptz not null default now())`);
  }

  override down(): void {
    for (const table of ["admin_token", "signing_key", "change_event", "exchange", "agent",
      "service_account", "identity_provider", "connection"]) {
      this.addSql(`drop table if exists ${table}`);
    }
  }
}
