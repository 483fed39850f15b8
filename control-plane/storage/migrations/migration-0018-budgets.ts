// Model prices, budgets, and the budget scopes agents are told about (docs/budgets.md).
import { Migration } from "@mikro-orm/migrations";

/** Creates `model_price`, `budget` and `budget_state`. */
export class Migration0018Budgets extends Migration {
  override name = "0018-budgets";

  override up(): void {
    this.addSql(`create table model_price (
      name text primary key,
      model text not null unique,
      input_per_million double precision not null,
      output_per_million double precision not null,
      cached_input_per_million double precision not null default 0,
      description text not null default '',
      created_at timestamptz not null default now(),
      updated_at timestamptz not null default now())`);
    // Filters and thresholds as jsonb lists; `per` and `period` by name.
    this.addSql(`create table budget (
      name text primary key,
      per text not null,
      period text not null,
      time_zone text not null,
      tokens bigint not null default 0,
      cost double precision not null default 0,
      subjects jsonb not null default '[]',
      groups jsonb not null default '[]',
      connections jsonb not null default '[]',
      models jsonb not null default '[]',
      thresholds jsonb not null default '[]',
      sinks jsonb not null default '[]',
      webhook text not null default '',
      description text not null default '',
      created_at timestamptz not null default now(),
      updated_at timestamptz not null default now())`);
    // What agents were last told about each scope past its first threshold: written by the budget
    // evaluator with a change event whenever it changes, so the next snapshot carries it.
    this.addSql(`create table budget_state (
      budget text not null,
      scope_key text not null,
      period_start timestamptz not null,
      reset_time timestamptz not null,
      spent boolean not null,
      remaining_tokens bigint not null,
      summary text not null,
      updated_at timestamptz not null default now(),
      primary key (budget, scope_key))`);
    // Budget sums read a period of exchanges by start time.
    this.addSql(`create index if not exists exchange_started_at_only_idx on exchange (started_at)`);
  }

  override down(): void {
    this.addSql("drop index if exists exchange_started_at_only_idx");
    for (const table of ["budget_state", "budget", "model_price"]) this.addSql(`drop table if exists ${table}`);
  }
}
