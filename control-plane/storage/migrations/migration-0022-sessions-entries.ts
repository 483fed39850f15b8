// One audit entry per commit of sessions: the 'sessions' entry type (the entry lists every session
// the commit stored, audit/session-events.ts), and a sink cursor that can stop inside such an entry
// (sinks still send one event per session, sinks/audit-feed.ts).
import { Migration } from "@mikro-orm/migrations";

/** Allows `audit_log.type = 'sessions'`; adds `sink_cursor.partial`. */
export class Migration0022SessionsEntries extends Migration {
  override name = "0022-sessions-entries";

  override up(): void {
    this.addSql("alter table audit_log drop constraint audit_log_type_check");
    this.addSql("alter table audit_log add constraint audit_log_type_check check (type in ('session', 'admin', 'alert', 'review', 'block', 'sessions'))");
    // Sessions of entry last_seq + 1 already delivered (the entry was cut by the sink's batch size).
    this.addSql("alter table sink_cursor add column partial integer not null default 0");
  }

  override down(): void {
    this.addSql("alter table sink_cursor drop column if exists partial");
    this.addSql("alter table audit_log drop constraint audit_log_type_check");
    this.addSql("alter table audit_log add constraint audit_log_type_check check (type in ('session', 'admin', 'alert', 'review', 'block'))");
  }
}
