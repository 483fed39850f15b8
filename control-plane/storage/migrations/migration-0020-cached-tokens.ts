// The prompt tokens a provider read from its cache, per exchange (Usage.cached_tokens), for the
// cached input price of budgets and usage (docs/budgets.md). Covered by exchange digest version 3.
import { Migration } from "@mikro-orm/migrations";

/** Adds `exchange.cached_tokens` (null on rows recorded before, and on rows without usage). */
export class Migration0020CachedTokens extends Migration {
  override name = "0020-cached-tokens";

  override up(): void {
    this.addSql("alter table exchange add column cached_tokens bigint");
  }

  override down(): void {
    this.addSql("alter table exchange drop column if exists cached_tokens");
  }
}
