// The tamper-evident audit log: one hash chain per deployment, its signed checkpoints and the key
// that signs them (sealed at rest like the service-account keys). See docs/audit-log.md.
import { Migration } from "@mikro-orm/migrations";

/** Creates `audit_log`, `audit_checkpoint` and `audit_signing_key`. */
export class Migration0008AuditLog extends Migration {
  override name = "0008-audit-log";

  override up(): void {
    // seq is assigned under an advisory lock (audit/audit-log.ts), so it has no gaps: 1, 2, 3...
    this.addSql(`create table audit_log (
      seq bigint primary key,
      time timestamptz not null,
      type text not null check (type in ('session', 'admin', 'alert', 'review', 'block')),
      subject text not null,
      payload jsonb not null,
      prev_hash text not null,
      hash text not null)`);
    this.addSql("create index audit_log_time_idx on audit_log (time)");
    // A checkpoint signs the chain head at `seq`: its hash and the count of entries up to it.
    this.addSql(`create table audit_checkpoint (
      seq bigint primary key,
      hash text not null,
      count bigint not null,
      time timestamptz not null,
      kid text not null,
      jws text not null)`);
    this.addSql(`create table audit_signing_key (
      kid text primary key,
      private_jwk_sealed text not null,
      public_jwk jsonb not null,
      created_at timestamptz not null default now())`);
  }

  override down(): void {
    for (const table of ["audit_signing_key", "audit_checkpoint", "audit_log"]) {
      this.addSql(`drop table if exists ${table}`);
    }
  }
}
