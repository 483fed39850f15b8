// What an admin event records of an RPC's messages: names, kinds, subjects, ids, never secrets.
// Fields are kept by an allow-list of JSON names (at any depth), so a secret field added to a
// message later is left out until someone decides it is safe; resources in an Apply are reduced to
// `kind/name`.
import { type DescMessage, type Message, toJson } from "@bufbuild/protobuf";
import type { JsonValue } from "./canonical-json.js";

const KEPT = new Set([
  "name", "kind", "subject", "jti", "segment", "groups", "email", "ttl", "rotateToken", "outcome",
  "results", "expireTime", "issuer", "agent", "connection", "session", "sessionId", "id", "reason",
  "decision", "for", "until", "resend", "fromSeq", "toSeq",
]);

/** The allow-listed JSON of `message` (resources as `kind/name`). */
export function summariseMessage(schema: DescMessage, message: Message): { [key: string]: JsonValue } {
  const json = toJson(schema, message, { alwaysEmitImplicit: false }) as { [key: string]: JsonValue };
  const summary = keep(json) as { [key: string]: JsonValue };
  const resources = json.resources;
  if (Array.isArray(resources)) summary.resources = resources.map(resourceName);
  return summary;
}

function keep(value: JsonValue): JsonValue | undefined {
  if (Array.isArray(value)) return value.map((item) => keep(item) ?? null);
  if (value === null || typeof value !== "object") return value;
  const kept: { [key: string]: JsonValue } = {};
  for (const [key, member] of Object.entries(value)) {
    if (!KEPT.has(key)) continue;
    const summarised = keep(member);
    if (summarised !== undefined) kept[key] = summarised;
  }
  return kept;
}

// A Resource is a oneof of typed kinds, in JSON `{ "<kind>": { "name": … } }`.
function resourceName(resource: JsonValue): string {
  if (resource === null || typeof resource !== "object" || Array.isArray(resource)) return "?";
  const [kind, body] = Object.entries(resource)[0] ?? ["?", null];
  const name = body !== null && typeof body === "object" && !Array.isArray(body) ? body.name : undefined;
  return `${kind}/${typeof name === "string" ? name : "?"}`;
}
