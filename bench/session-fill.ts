// Generated sessions for the benches that search them (bench/search.bench.ts, console-search.bench.ts):
// one INSERT … SELECT from generate_series, spread one per 6 seconds back from `newest`.
import { SEARCH_VECTOR_SQL } from "../control-plane/storage/migrations/migration-0025-search-decoded-text.js";
import { Verdict } from "../gen/palisade/agent/v1/exchange_pb.js";

/** The topic words; each is in 1 session in 20. */
export const TOPICS = ["billing", "outage", "refund", "invoice", "latency", "migration", "contract", "holiday", "laptop", "password",
  "payroll", "roadmap", "security", "hiring", "budget", "vendor", "printer", "travel", "expenses", "onboarding"];

/**
 * The SQL that inserts `rows` sessions. subject: 1,000 users; group: 50 teams; model: 4; verdict:
 * 1% denied, 2% masked, rest allowed; prompt: a topic word (1 row in 20), a ticket word unique to
 * the row, common words everywhere.
 */
export function fillSessionsSql(rows: number, newest: number): string {
  return `insert into exchange (id, agent, connection, subject, email, groups, issuer, method, path, model,
    stream, status, verdict, reason, request_body, response_body, request_truncated, response_truncated,
    prompt_tokens, completion_tokens, total_tokens, started_at, time_to_first_byte_ns, duration_ns, error)
  select 'b-' || i, 'edge-' || (i % 4), (array['openai','anthropic','azure'])[1 + i % 3], 'user-' || (i % 1000),
    'user-' || (i % 1000) || '@example.com', jsonb_build_array('team-' || (i % 50), 'staff'), 'urn:bench',
    'POST', '/v1/chat/completions', (array['gpt-4o','gpt-4o-mini','claude-sonnet','gpt-4.1'])[1 + i % 4],
    i % 2 = 0, case when i % 100 = 0 then 403 else 200 end,
    case when i % 100 = 0 then ${Verdict.DENIED} when i % 50 = 1 then ${Verdict.MASKED} else ${Verdict.ALLOWED} end,
    '', '{"model":"gpt-4o","messages":[{"role":"user","content":"please summarise ticket tkt' || i || ' about '
      || (array['${TOPICS.join("','")}'])[1 + i % 20] || ' for the weekly report"}]}',
    'Here is a short summary of ticket tkt' || i || ': the customer asked about it and we answered.',
    false, false, 40, 60, 100,
    to_timestamp(${newest / 1000}) - make_interval(secs => i * 6), 200000000, 900000000, ''
  from generate_series(1, ${rows}) as i`;
}

/**
 * The SQL that puts every generated session into the text index (`exchange_search`): generated
 * rows have no audit chain entries, which is what the search indexer follows.
 */
export const INDEX_FILLED_SESSIONS_SQL = `insert into exchange_search (id, vector)
  select id, ${SEARCH_VECTOR_SQL} from exchange on conflict (id) do nothing`;
