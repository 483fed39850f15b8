// What each scope of a budget spent in a period, summed from the recorded exchanges (streamed
// replies included: their usage is recorded like any other; a forwarded request whose usage the
// provider never reported whole carries the agent's estimate, counted and priced alike). Cost prices each exchange by the
// longest-matching ModelPrice; exchanges of unpriced models add their tokens to `unpriced`.
import type { EntityManager } from "@mikro-orm/sql";
import type { BudgetPer, BudgetSettings } from "./budget-settings.js";

/** One scope's spending. */
export interface ScopeSpend {
  /** The subject, group, connection or model; "" for `all`. */
  key: string;
  tokens: number;
  cost: number;
  unpriced: number;
  /** Of `tokens`, those the agents estimated (usage_estimated). */
  estimated: number;
}

const KEY: Record<BudgetPer, string> = {
  subject: "coalesce(e.subject, '')", group: "g.grp", connection: "e.connection", model: "e.model", all: "''",
};

/** The price of an exchange: the ModelPrice whose model is its model, or the longest prefix (`name*`) of it. */
export const PRICE_JOIN = `left join lateral (
    select p.input_per_million, p.output_per_million, p.cached_input_per_million from model_price p
    where p.model = e.model or (right(p.model, 1) = '*' and starts_with(e.model, left(p.model, -1)))
    order by length(p.model) desc limit 1) price on true`;

/**
 * The cost of an exchange in the price table's currency (null when unpriced): uncached prompt
 * tokens at the input price, cached ones at the cached price (the input price when that is 0),
 * completion tokens at the output price. Cached tokens count at most the prompt's: a usage saying
 * more (an "OpenAI-compatible" upstream's bug) would make the uncached part negative, and a sum of
 * costs that a negative one lowers is a cost budget that never ends.
 */
const CACHED = "least(coalesce(e.cached_tokens, 0), coalesce(e.prompt_tokens, 0))";
export const COST = `((coalesce(e.prompt_tokens, 0) - ${CACHED}) * price.input_per_million
  + ${CACHED} * coalesce(nullif(price.cached_input_per_million, 0), price.input_per_million)
  + coalesce(e.completion_tokens, 0) * price.output_per_million) / 1000000.0`;

type Numeric = string | number | null;
interface Row { key: string; tokens: Numeric; cost: Numeric; unpriced: Numeric; estimated: Numeric }

/** Spending per scope of `budget` over [start, end), most tokens first. */
export async function spendByScope(em: EntityManager, budget: BudgetSettings, start: Date, end: Date): Promise<ScopeSpend[]> {
  const where = ["e.started_at >= ?", "e.started_at < ?", "e.total_tokens is not null"];
  const params: unknown[] = [start.toISOString(), end.toISOString()];
  const inList = (column: string, list: readonly string[]) => {
    where.push(`${column} in (select jsonb_array_elements_text(?::jsonb))`);
    params.push(JSON.stringify(list));
  };
  if (budget.subjects.length > 0) inList("e.subject", budget.subjects);
  if (budget.connections.length > 0) inList("e.connection", budget.connections);
  if (budget.models.length > 0) {
    // Each entry exact, or a prefix ending in `*` (as a ModelPrice's model): a dated alias of a
    // model (gpt-4o-2024-08-06) is the caller's choice, and `gpt-4o-2*` lets a budget cover them all.
    where.push(`exists (select 1 from jsonb_array_elements_text(?::jsonb) as f(model)
      where f.model = e.model or (right(f.model, 1) = '*' and starts_with(e.model, left(f.model, -1))))`);
    params.push(JSON.stringify(budget.models));
  }
  // Per group, a request counts toward each of its caller's groups (only the listed ones, if any).
  const groups = budget.per === "group" ? "cross join lateral jsonb_array_elements_text(coalesce(e.groups, '[]'::jsonb)) as g(grp)" : "";
  if (budget.groups.length > 0) {
    if (budget.per === "group") inList("g.grp", budget.groups);
    else {
      where.push("exists (select 1 from jsonb_array_elements_text(coalesce(e.groups, '[]'::jsonb)) as m(grp) where m.grp in (select jsonb_array_elements_text(?::jsonb)))");
      params.push(JSON.stringify(budget.groups));
    }
  }
  const rows = await em.execute<Row[]>(
    `select ${KEY[budget.per]} as key, sum(e.total_tokens) as tokens, coalesce(sum(${COST}), 0) as cost,
       coalesce(sum(e.total_tokens) filter (where price.input_per_million is null), 0) as unpriced,
       coalesce(sum(e.total_tokens) filter (where e.usage_estimated), 0) as estimated
     from exchange e ${groups} ${PRICE_JOIN}
     where ${where.join(" and ")}
     group by 1 order by 2 desc, 1`,
    params,
  );
  return rows.map((row) => ({ key: row.key, tokens: Number(row.tokens ?? 0), cost: Number(row.cost ?? 0), unpriced: Number(row.unpriced ?? 0), estimated: Number(row.estimated ?? 0) }));
}

/** The share of the budget `spend` used: the higher of tokens and cost against their caps (0 to 1, more when over). */
export function usedShare(budget: Pick<BudgetSettings, "tokens" | "cost">, spend: Pick<ScopeSpend, "tokens" | "cost">): number {
  const byTokens = budget.tokens > 0 ? spend.tokens / budget.tokens : 0;
  const byCost = budget.cost > 0 ? spend.cost / budget.cost : 0;
  return Math.max(byTokens, byCost);
}
