// The agent instance that holds a review (Review.agent_instance; docs/agent-protocol.md "Instances").
import { Migration } from "@mikro-orm/migrations";

/** Adds `review.agent_instance` ('' for reviews stored before). */
export class Migration0014ReviewInstance extends Migration {
  override name = "0014-review-instance";

  override up(): void {
    this.addSql("alter table review add column agent_instance text not null default ''");
  }

  override down(): void {
    this.addSql("alter table review drop column if exists agent_instance");
  }
}
