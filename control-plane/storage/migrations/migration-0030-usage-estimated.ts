// Whether an exchange's usage is the agent's estimate rather than the provider's report
// (Usage.estimated): a forwarded request whose usage never arrived whole is charged an estimate
// (docs/budgets.md), and listings say so. Covered by exchange digest version 6.
import { Migration } from "@mikro-orm/migrations";

/** Adds `exchange.usage_estimated` (null on rows recorded before, on rows without usage, and from agents that never estimate). */
export class Migration0030UsageEstimated extends Migration {
  override name = "0030-usage-estimated";

  override up(): void {
    this.addSql("alter table exchange add column usage_estimated boolean");
  }

  override down(): void {
    this.addSql("alter table exchange drop column if exists usage_estimated");
  }
}
