// The digest of a stored exchange row, computed by the database the same way when the session
// event is appended (RETURNING of the insert) and when the log is verified, so editing any covered
// column of the row afterwards is detected.
//
// Versions 1–3 cover their columns, in order, as a jsonb array rendered to text, SHA-256, hex.
// Version 4 covers the columns of version 3 in a framed text (below): the same coverage, without
// building a jsonb document of the whole row and escaping it back out (~2.5× less PostgreSQL CPU
// per row with ~1 KB of bodies). Timestamps enter as integer epoch microseconds (the text form of
// a timestamptz depends on the session's time zone). A column added to `exchange` later is covered
// only by a new version; rows hashed under an older version keep being checked under it.

/** The digest version new session events carry. */
export const EXCHANGE_DIGEST_VERSION = 6;

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

const JSONB_ARRAY_COLUMNS: Record<number, readonly string[]> = { 1: V1_COLUMNS, 2: V2_COLUMNS, 3: V3_COLUMNS };

// How version 4 frames each column of version 3 (same order) so that the text is injective: text
// columns as `<octet length>:<text>` (NULL: `:`), so any character may follow; numbers, booleans
// and timestamps (epoch microseconds) as their text then `;` (NULL: `;` alone), and no rendering
// holds a `;`; jsonb as its canonical text (jsonb_out) then `|` (NULL: `|` alone), a JSON value
// ending where it ends and never starting with `|`. `concat` renders a NULL as '' and takes at most
// 100 arguments (this list: 84; version 5's: 86; version 6's: 88).
export type Framing = "text" | "scalar" | "jsonb" | "bytea";
const V4_FRAMES: readonly (readonly [string, Framing])[] = [
  ["id", "text"], ["agent", "text"], ["connection", "text"], ["subject", "text"], ["email", "text"],
  ["groups", "jsonb"], ["issuer", "text"], ["method", "text"], ["path", "text"], ["model", "text"],
  ["stream", "scalar"], ["status", "scalar"], ["verdict", "scalar"], ["reason", "text"],
  ["request_body", "text"], ["response_body", "text"], ["request_truncated", "scalar"],
  ["response_truncated", "scalar"], ["prompt_tokens", "scalar"], ["completion_tokens", "scalar"],
  ["total_tokens", "scalar"], ["(extract(epoch from started_at) * 1000000)::bigint", "scalar"],
  ["time_to_first_byte_ns", "scalar"], ["duration_ns", "scalar"], ["error", "text"], ["policy", "text"],
  ["(extract(epoch from committed_at) * 1000000)::bigint", "scalar"], ["review_id", "text"],
  ["findings", "jsonb"], ["recorded_bodies", "scalar"], ["mask_policies", "jsonb"],
  ["response_chunks", "jsonb"], ["agent_instance", "text"], ["cached_tokens", "scalar"],
];

// Version 5 adds the stream's writes as stored since migration 0026 (`response_writes`, bytea), as
// the hex SHA-256 of its bytes then `;` (NULL: `;` alone): a fixed-length rendering that no
// session setting changes (bytea's own text form follows `bytea_output`).
const V5_FRAMES: readonly (readonly [string, Framing])[] = [...V4_FRAMES, ["response_writes", "bytea"]];

// Version 6 adds whether the usage is the agent's estimate (`usage_estimated`, migration 0030):
// it decides how an exchange's tokens are read (reported or estimated), so it is covered too.
const V6_FRAMES: readonly (readonly [string, Framing])[] = [...V5_FRAMES, ["usage_estimated", "scalar"]];

const FRAMED: Record<number, readonly (readonly [string, Framing])[]> = { 4: V4_FRAMES, 5: V5_FRAMES, 6: V6_FRAMES };

/** How the current version frames each column it covers (SQL expression, framing), in order. */
export const CURRENT_FRAMES: readonly (readonly [string, Framing])[] = FRAMED[EXCHANGE_DIGEST_VERSION]!;

/** The columns (SQL expressions) each digest version covers, in order. */
export function exchangeDigestColumns(version: number): readonly string[] | undefined {
  return FRAMED[version]?.map(([column]) => column) ?? JSONB_ARRAY_COLUMNS[version];
}

function frame([column, kind]: readonly [string, Framing]): string {
  if (kind === "text") return `octet_length(${column}), ':', ${column}`;
  if (kind === "bytea") return `encode(sha256(${column}), 'hex'), ';'`;
  return `${column}, '${kind === "scalar" ? ";" : "|"}'`;
}

/** The SQL expression of an exchange row's digest (version `version`), over unqualified columns. */
export function exchangeDigestSql(version: number = EXCHANGE_DIGEST_VERSION): string {
  const framed = FRAMED[version];
  if (framed) return `encode(sha256(convert_to(concat(${framed.map(frame).join(", ")}), 'UTF8')), 'hex')`;
  const columns = JSONB_ARRAY_COLUMNS[version];
  if (!columns) throw new Error(`unknown exchange digest version ${version}`);
  return `encode(sha256(convert_to(jsonb_build_array(${columns.join(", ")})::text, 'UTF8')), 'hex')`;
}
