// A stream's writes to the caller stored compactly: `response_writes` (bytea: each write's offset and
// UTF-8 bytes, storage/response-writes.ts) instead of `response_chunks` (jsonb: an object per write,
// every SSE line's quotes escaped by the control plane, parsed by PostgreSQL and rendered again for
// the row digest). Rows stored before keep their `response_chunks` and are read from it; new rows
// leave it null. docs/performance.md, issue 13's fourth ingest round.
import { Migration } from "@mikro-orm/migrations";

/** Adds `exchange.response_writes`. */
export class Migration0026ResponseWrites extends Migration {
  override name = "0026-response-writes";

  override up(): void {
    this.addSql("alter table exchange add column response_writes bytea");
  }

  override down(): void {
    this.addSql("alter table exchange drop column if exists response_writes");
  }
}
