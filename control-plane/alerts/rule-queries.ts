// What each kind of rule finds in the exchange table at one instant: SQL aggregates per identity
// (subject and issuer) over the rule's periods. Only identities active in the window are looked at.
import type { EntityManager } from "@mikro-orm/sql";
import { Verdict } from "../../gen/palisade/agent/v1/exchange_pb.js";
import type { RuleCondition, RuleSettings, SpikeSettings } from "./rule-settings.js";
import { baselinePerWindow, dedupKey, isSpike, shortDuration, shortNumber, spikePeriods } from "./window-math.js";
import type { Finding } from "./alert-store.js";

/** How far back an unusual-model rule looks for a first use (its suppression is one baseline). */
export const UNUSUAL_MODEL_LOOKBACK_SECONDS = 300;
/** Evidence kept per alert: the newest sessions of the window. */
const MAX_EVIDENCE = 100;
// Refusals counted as violations: denied by a policy or the connection's groups, limited, denied on review.
const VIOLATION_VERDICTS = [Verdict.DENIED, Verdict.LIMITED, Verdict.REVIEWED];

type Numeric = string | number;
const iso = (date: Date) => date.toISOString();

/** How long after a firing the same rule stays quiet for the same identity (and model). */
export function suppressionSeconds(condition: RuleCondition): number {
  return condition.type === "unusual_model" ? condition.baselineSeconds : condition.windowSeconds;
}

async function evidence(em: EntityManager, subject: string, issuer: string, since: Date, extra = "", params: unknown[] = []): Promise<string[]> {
  const rows = await em.execute<{ id: string }[]>(
    `select id from exchange where subject = ? and issuer = ? and started_at > ? ${extra}
     order by started_at desc limit ${MAX_EVIDENCE}`,
    [subject, issuer, iso(since), ...params],
  );
  return rows.map((row) => row.id);
}

async function spikes(em: EntityManager, rule: string, s: SpikeSettings, measure: "tokens" | "requests", nowMs: number): Promise<Finding[]> {
  const { windowStart, baselineStart } = spikePeriods(nowMs, s.windowSeconds, s.baselineSeconds);
  const amount = measure === "tokens" ? "coalesce(sum(total_tokens), 0)" : "count(*)";
  const rows = await em.execute<{ subject: string; issuer: string; observed: Numeric; baseline_total: Numeric }[]>(
    `with recent as (
       select subject, issuer, ${amount} as observed from exchange
       where subject is not null and issuer is not null and started_at > ?
       group by subject, issuer having ${amount} >= ?)
     select r.subject, r.issuer, r.observed,
       (select ${amount} from exchange e where e.subject = r.subject and e.issuer = r.issuer
          and e.started_at > ? and e.started_at <= ?) as baseline_total
     from recent r`,
    [iso(windowStart), s.minimum, iso(baselineStart), iso(windowStart)],
  );
  const found: Finding[] = [];
  for (const row of rows) {
    const observed = Number(row.observed);
    const perWindow = baselinePerWindow(Number(row.baseline_total), s.windowSeconds, s.baselineSeconds);
    if (!isSpike(observed, perWindow, s)) continue;
    const what = measure === "tokens" ? "tokens" : "requests";
    found.push({
      rule, subject: row.subject, issuer: row.issuer, dedupKey: dedupKey(nowMs, s.windowSeconds), model: "",
      observed, baseline: perWindow,
      summary: `${measure === "tokens" ? "token" : "request rate"} spike: ${observed} ${what} in ${shortDuration(s.windowSeconds)}, `
        + `above ${shortNumber(s.factor)}x the baseline of ${shortNumber(perWindow)} per ${shortDuration(s.windowSeconds)} (trailing ${shortDuration(s.baselineSeconds)})`,
      sessionIds: await evidence(em, row.subject, row.issuer, windowStart),
    });
  }
  return found;
}

async function violations(em: EntityManager, rule: string, c: { count: number; windowSeconds: number }, nowMs: number): Promise<Finding[]> {
  const since = new Date(nowMs - c.windowSeconds * 1000);
  // Refusals by a block itself are not violations: a blocked caller retrying would re-fire forever.
  const refused = `and verdict in (${VIOLATION_VERDICTS.join(", ")}) and status in (403, 429) and reason not like 'blocked %'`;
  const rows = await em.execute<{ subject: string; issuer: string; observed: Numeric }[]>(
    `select subject, issuer, count(*) as observed from exchange
     where subject is not null and issuer is not null and started_at > ? ${refused}
     group by subject, issuer having count(*) >= ?`,
    [iso(since), c.count],
  );
  const found: Finding[] = [];
  for (const row of rows) {
    found.push({
      rule, subject: row.subject, issuer: row.issuer, dedupKey: dedupKey(nowMs, c.windowSeconds), model: "",
      observed: Number(row.observed), baseline: 0,
      summary: `repeated violations: ${Number(row.observed)} refused requests in ${shortDuration(c.windowSeconds)} (threshold ${c.count})`,
      sessionIds: await evidence(em, row.subject, row.issuer, since, refused),
    });
  }
  return found;
}

async function unusualModels(em: EntityManager, rule: string, c: { baselineSeconds: number }, nowMs: number): Promise<Finding[]> {
  const recent = new Date(nowMs - UNUSUAL_MODEL_LOOKBACK_SECONDS * 1000);
  const baselineStart = new Date(recent.getTime() - c.baselineSeconds * 1000);
  // A model used recently that the identity never used in the baseline before; an identity with no
  // history at all in the baseline is new, not unusual, and is left out.
  const rows = await em.execute<{ subject: string; issuer: string; model: string }[]>(
    `select distinct r.subject, r.issuer, r.model from exchange r
     where r.subject is not null and r.issuer is not null and r.model <> '' and r.started_at > ?
       and exists (select 1 from exchange h where h.subject = r.subject and h.issuer = r.issuer
                   and h.started_at > ? and h.started_at <= ?)
       and not exists (select 1 from exchange h where h.subject = r.subject and h.issuer = r.issuer
                   and h.model = r.model and h.started_at > ? and h.started_at <= ?)`,
    [iso(recent), iso(baselineStart), iso(recent), iso(baselineStart), iso(recent)],
  );
  const found: Finding[] = [];
  for (const row of rows) {
    found.push({
      rule, subject: row.subject, issuer: row.issuer, dedupKey: dedupKey(nowMs, c.baselineSeconds, row.model), model: row.model,
      observed: 1, baseline: 0,
      summary: `unusual model: ${row.model}, not used by this identity in the ${shortDuration(c.baselineSeconds)} before`,
      sessionIds: await evidence(em, row.subject, row.issuer, recent, "and model = ?", [row.model]),
    });
  }
  return found;
}

/** What `rule` finds at `nowMs` (before dedup). */
export function findAnomalies(em: EntityManager, rule: RuleSettings, nowMs: number): Promise<Finding[]> {
  const c = rule.condition;
  switch (c.type) {
    case "token_spike": return spikes(em, rule.name, c, "tokens", nowMs);
    case "request_rate_spike": return spikes(em, rule.name, c, "requests", nowMs);
    case "repeated_violations": return violations(em, rule.name, c, nowMs);
    case "unusual_model": return unusualModels(em, rule.name, c, nowMs);
  }
}
