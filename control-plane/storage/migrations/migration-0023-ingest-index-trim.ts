// One index less for every exchange insert: `exchange (started_at)` (migration 0018, for budget and
// usage sums over a period) repeats `exchange (started_at desc, id desc)` (0001), which serves the
// same range scans. docs/performance.md, issue 13's ingest round.
import { Migration } from "@mikro-orm/migrations";

/** Drops `exchange_started_at_only_idx`. */
export class Migration0023IngestIndexTrim extends Migration {
  override name = "0023-ingest-index-trim";

  override up(): void {
    this.addSql("drop index if exists exchange_started_at_only_idx");
  }

  override down(): void {
    this.addSql("create index if not exists exchange_started_at_only_idx on exchange (started_at)");
  }
}
