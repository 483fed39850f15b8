// What a condition sees of one request: `identity`, `request`, `connection`, `time`. Built from
// verified facts only; the caller's secrets (its token, cookies) are never put in reach of CEL.
import type { IncomingHttpHeaders } from "node:http";
import { celList, celMap, type CelInput } from "@bufbuild/cel";
import { timestampFromMs } from "@bufbuild/protobuf/wkt";
import type { ConditionActivation } from "../../core/policy/condition.js";
import type { PromptView } from "./content-match.js";

/** The facts about one request that policies decide on. */
export interface RequestContext {
  identity: { subject: string; email: string; groups: readonly string[]; issuer: string; claims: Readonly<Record<string, unknown>> };
  request: {
    model: string; method: string; path: string; stream: boolean; headers: IncomingHttpHeaders; prompt: string;
    /** max_tokens (and variants) times the choices asked for; undefined when the request sets none (CEL: 0). */
    maxTokens?: number;
  };
  connection: { name: string; provider: string };
  /** Milliseconds since the epoch. */
  now: number;
  /** Every text of the request as content rules read it, built on first use; absent: the prompt alone. */
  content?: () => PromptView;
  /** The parts of the request that are not text (images, audio, files), found on first use; absent: none. */
  binary?: () => readonly { location: string; kind: string }[];
}

// Headers carrying credentials; conditions must not be able to read (or leak through errors) them.
const secretHeaders = new Set(["authorization", "x-api-key", "cookie", "proxy-authorization"]);

/** The request's headers with lower-case names, minus credentials; repeated headers joined by ", ". */
export function conditionHeaders(headers: IncomingHttpHeaders): Record<string, string> {
  const out: Record<string, string> = {};
  // By key, not Object.entries: no [name, value] array per header per request.
  for (const name of Object.keys(headers)) {
    const value = headers[name];
    const lower = name.toLowerCase();
    if (value === undefined || secretHeaders.has(lower)) continue;
    out[lower] = Array.isArray(value) ? value.join(", ") : value;
  }
  return out;
}

// Values are handed to CEL already converted (CelMap, CelList): a plain object or array would be
// converted again at every access by every condition, which dominated evaluation time.
function map(entries: Record<string, CelInput>): CelInput {
  return celMap(new Map(Object.entries(entries)));
}

/** A JSON value (a JWT claim) as a CEL value; anything that is not JSON becomes null. */
function jsonToCel(value: unknown, depth = 0): CelInput {
  if (typeof value === "string" || typeof value === "boolean") return value;
  if (typeof value === "number") return Number.isFinite(value) ? value : null;
  if (depth > 32 || value === null || typeof value !== "object") return null;
  if (Array.isArray(value)) return celList(value.map((item) => jsonToCel(item, depth + 1)));
  const out: Record<string, CelInput> = {};
  for (const [key, item] of Object.entries(value)) out[key] = jsonToCel(item, depth + 1);
  return map(out);
}

// A cached verification hands every request of one token the same claims object (never mutated):
// its CEL form is built once per token rather than once per request.
const celClaims = new WeakMap<object, CelInput>();

function claimsToCel(claims: Readonly<Record<string, unknown>>): CelInput {
  let cel = celClaims.get(claims);
  if (cel === undefined) {
    cel = jsonToCel(claims);
    celClaims.set(claims, cel);
  }
  return cel;
}

/** The CEL activation for `context`. */
export function conditionActivation(context: RequestContext): ConditionActivation {
  const { identity, request, connection } = context;
  return {
    identity: map({
      subject: identity.subject,
      email: identity.email,
      groups: celList([...identity.groups]),
      issuer: identity.issuer,
      claims: claimsToCel(identity.claims),
    }),
    request: map({
      model: request.model,
      method: request.method,
      path: request.path,
      stream: request.stream,
      headers: map(conditionHeaders(request.headers)),
      prompt: request.prompt,
      // An int: 0 when the request sets none (`request.maxTokens == 0` finds them).
      maxTokens: BigInt(request.maxTokens ?? 0),
    }),
    connection: map({ name: connection.name, provider: connection.provider }),
    time: timestampFromMs(context.now),
  };
}
