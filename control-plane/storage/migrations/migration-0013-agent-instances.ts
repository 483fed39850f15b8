// Agent instances: every running process that shares an agent's enrolment token (the pods of one
// Deployment, the workers of `palisade agent --workers N`) keeps its own stream state, instead of
// all of them overwriting one row (docs/agent.md "Instances").
import { Migration } from "@mikro-orm/migrations";

/** Creates `agent_instance` and adds `exchange.agent_instance`. */
export class Migration0013AgentInstances extends Migration {
  override name = "0013-agent-instances";

  override up(): void {
    // `stream_id` names the stream that last said Hello for the instance: writes of an older
    // stream of the same instance (a reconnect seen first by another replica) match no row.
    // The agent table's own state columns are left in place, unused, so a replica of the previous
    // release still running during a rolling upgrade keeps working.
    this.addSql(`create table agent_instance (
      agent text not null references agent (name) on delete cascade,
      instance text not null,
      stream_id text not null,
      connected boolean not null,
      version text not null default '',
      applied_version text not null default '',
      last_error text not null default '',
      connect_time timestamptz not null,
      last_seen timestamptz not null,
      primary key (agent, instance))`);
    this.addSql("alter table exchange add column agent_instance text not null default ''");
  }

  override down(): void {
    this.addSql("alter table exchange drop column if exists agent_instance");
    this.addSql("drop table if exists agent_instance");
  }
}
