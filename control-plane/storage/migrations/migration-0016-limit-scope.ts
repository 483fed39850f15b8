// Where a policy's limits are counted and what they do while the counter store is down (docs/limits.md).
import { Migration } from "@mikro-orm/migrations";

/** Adds `policy.limit_scope` and `policy.on_store_down` ("" = the defaults: global when a store is configured, deny). */
export class Migration0016LimitScope extends Migration {
  override name = "0016-limit-scope";

  override up(): void {
    this.addSql("alter table policy add column limit_scope text not null default ''");
    this.addSql("alter table policy add column on_store_down text not null default ''");
  }

  override down(): void {
    this.addSql("alter table policy drop column if exists on_store_down");
    this.addSql("alter table policy drop column if exists limit_scope");
  }
}
