// Usage sums over the exchange table: requests and provider-reported tokens per group, in a range.
import type { EntityManager } from "@mikro-orm/sql";
import { Verdict } from "../../gen/palisade/agent/v1/exchange_pb.js";
import { COST, PRICE_JOIN } from "../budgets/budget-spend.js";

/** A grouping field. */
export type UsageField = "subject" | "connection" | "model";

/** What to sum. */
export interface UsageQuery {
  groupBy: readonly UsageField[];
  since: Date;
  until: Date;
  subject?: string;
  connection?: string;
  model?: string;
}

/** One group's sums; grouping fields not asked for are "". */
export interface UsageSums {
  subject: string;
  connection: string;
  model: string;
  requests: bigint;
  refused: bigint;
  withoutUsage: bigint;
  promptTokens: bigint;
  completionTokens: bigint;
  totalTokens: bigint;
  /** Cost by the ModelPrice table (0 when nothing was priced). */
  cost: number;
  /** Tokens of exchanges whose model no ModelPrice matched. */
  unpricedTokens: bigint;
  /** Of the total tokens, those the agents estimated (the provider never reported them whole). */
  estimatedTokens: bigint;
  /** Exchanges whose usage is estimated. */
  estimated: bigint;
}

// Groups returned at most; a range with more distinct groups is cut (the total still covers all).
export const MAX_USAGE_ROWS = 10_000;
const REFUSED = [Verdict.DENIED, Verdict.LIMITED].join(", ");
const COLUMN: Record<UsageField, string> = { subject: "coalesce(e.subject, '')", connection: "e.connection", model: "e.model" };

type Numeric = string | number | bigint | null;
type Row = Partial<Record<UsageField, string>> & {
  requests: Numeric; refused: Numeric; without_usage: Numeric; prompt_tokens: Numeric; completion_tokens: Numeric; total_tokens: Numeric;
  cost: Numeric; unpriced_tokens: Numeric; estimated_tokens: Numeric; estimated: Numeric;
};

const big = (value: Numeric): bigint => BigInt(value ?? 0);

/** Sums per group (highest total tokens first) and over everything, for `query`. */
export async function sumUsage(em: EntityManager, query: UsageQuery): Promise<{ rows: UsageSums[]; total: UsageSums }> {
  const where = ["e.started_at >= ?", "e.started_at < ?"];
  const params: unknown[] = [query.since.toISOString(), query.until.toISOString()];
  for (const field of ["subject", "connection", "model"] as const) {
    const value = query[field];
    if (value) { where.push(`${COLUMN[field]} = ?`); params.push(value); }
  }
  const sums = `count(*) as requests,
    count(*) filter (where e.verdict in (${REFUSED})) as refused,
    count(*) filter (where e.verdict not in (${REFUSED}) and e.total_tokens is null) as without_usage,
    sum(e.prompt_tokens) as prompt_tokens, sum(e.completion_tokens) as completion_tokens, sum(e.total_tokens) as total_tokens,
    coalesce(sum(${COST}), 0) as cost, coalesce(sum(e.total_tokens) filter (where price.input_per_million is null), 0) as unpriced_tokens,
    coalesce(sum(e.total_tokens) filter (where e.usage_estimated), 0) as estimated_tokens, count(*) filter (where e.usage_estimated) as estimated`;
  const groups = query.groupBy.map((field) => `${COLUMN[field]} as ${field}`);
  const rows = await em.execute<Row[]>(
    `select ${[...groups, sums].join(", ")} from exchange e ${PRICE_JOIN} where ${where.join(" and ")}
     ${groups.length ? `group by ${query.groupBy.map((field) => COLUMN[field]).join(", ")}` : ""}
     order by total_tokens desc nulls last, requests desc ${groups.length ? `, ${query.groupBy.map((field) => COLUMN[field]).join(", ")}` : ""}
     limit ${MAX_USAGE_ROWS}`,
    params,
  );
  const toSums = (row: Row): UsageSums => ({
    subject: row.subject ?? "", connection: row.connection ?? "", model: row.model ?? "",
    requests: big(row.requests), refused: big(row.refused), withoutUsage: big(row.without_usage),
    promptTokens: big(row.prompt_tokens), completionTokens: big(row.completion_tokens), totalTokens: big(row.total_tokens),
    cost: Number(row.cost ?? 0), unpricedTokens: big(row.unpriced_tokens),
    estimatedTokens: big(row.estimated_tokens), estimated: big(row.estimated),
  });
  // The total is its own query: it covers every group even when the rows were cut.
  const [totalRow] = groups.length
    ? await em.execute<Row[]>(`select ${sums} from exchange e ${PRICE_JOIN} where ${where.join(" and ")}`, params)
    : rows;
  const total = toSums(totalRow ?? { requests: 0, refused: 0, without_usage: 0, prompt_tokens: 0, completion_tokens: 0, total_tokens: 0, cost: 0, unpriced_tokens: 0, estimated_tokens: 0, estimated: 0 });
  return { rows: rows.map(toSums), total };
}
