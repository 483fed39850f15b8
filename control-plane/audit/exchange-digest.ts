// The digest of a stored exchange row, computed by the database the same way when the session
// event is appended (RETURNING of the insert) and when the log is verified, so editing any covered
// column of the row afterwards is detected.
//
// Version 1 covers these columns, in this order, as a jsonb array rendered to text, SHA-256, hex.
// Timestamps enter as integer epoch microseconds (the text form of a timestamptz depends on the
// session's time zone). A column added to `exchange` later is covered only by a new version; rows
// hashed under v1 keep being checked under v1.

/** The digest version new session events carry. */
export const EXCHANGE_DIGEST_VERSION = 3;

const V1_COLUMNS = [
  "id", "agent", "connection", "subject", "email", "groups", "issuer", "method", "path", "model",
  "stream", "status", "verdict", "reason", "request_body", "response_body", "request_truncated",
  "response_truncated", "prompt_tokens", "completion_tokens", "total_tokens",
  "(extract(epoch from started_at) * 1000000)::bigint", "time_to_first_byte_ns", "duration_ns",
  "error", "policy", "(extract(epoch from committed_at) * 1000000)::bigint",
  "review_id", "findings", "recorded_bodies", "mask_policies", "response_chunks",
];

// Version 2 adds the agent instance that handled the exchange (migration 0013).
const V2_COLUMNS = [...V1_COLUMNS, "agent_instance"];

// Version 3 adds the cached prompt tokens (migration 0020), which price a request.
const V3_COLUMNS = [...V2_COLUMNS, "cached_tokens"];

const COLUMNS: Record<number, readonly string[]> = { 1: V1_COLUMNS, 2: V2_COLUMNS, 3: V3_COLUMNS };

/** The SQL expression of an exchange row's digest (version `version`), over unqualified columns. */
export function exchangeDigestSql(version: number = EXCHANGE_DIGEST_VERSION): string {
  const columns = COLUMNS[version];
  if (!columns) throw new Error(`unknown exchange digest version ${version}`);
  return `encode(sha256(convert_to(jsonb_build_array(${columns.join(", ")})::text, 'UTF8')), 'hex')`;
}
