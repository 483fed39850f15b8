// Per-connection retention of recorded sessions (Connection.retention; audit/retention-pruner.ts).
import { Migration } from "@mikro-orm/migrations";

/** Adds `connection.retention_seconds` (0 = keep forever). */
export class Migration0012ConnectionRetention extends Migration {
  override name = "0012-connection-retention";

  override up(): void {
    this.addSql("alter table connection add column retention_seconds integer not null default 0");
  }

  override down(): void {
    this.addSql("alter table connection drop column if exists retention_seconds");
  }
}
