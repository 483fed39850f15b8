// `kind: Policy` in the resource file: read from YAML, printed back (so `get -o yaml` output can
// be applied again), and its table columns.
import { create } from "@bufbuild/protobuf";
import {
  ContentMatchSchema, KeywordMatch, LimitScope, LimitsSchema, MaskDirection, MaskStyle, type Policy, PolicyAction, PolicySchema, RecordMode,
  ResourceSchema, type Resource, StoreDownAction,
} from "../../gen/palisade/admin/v1/resources_pb.js";
import { durationField, formatDurationSeconds } from "../duration.js";
import type { Columns } from "../output.js";
import type { MappingFields } from "./yaml-fields.js";

/** The fields a Policy takes besides `kind` and `name`. */
export const POLICY_FIELDS = [
  "priority", "connections", "when", "match", "action", "reason", "limits", "detectors", "maskPatterns", "maskWords",
  "phoneRegion", "direction", "style", "restore", "binary", "approvers", "wait", "grant", "webhook", "record", "description",
] as const;

const ACTIONS: Record<string, PolicyAction> = {
  allow: PolicyAction.ALLOW, deny: PolicyAction.DENY, mask: PolicyAction.MASK, review: PolicyAction.REVIEW,
};
const DIRECTIONS: Record<string, MaskDirection> = {
  request: MaskDirection.REQUEST, response: MaskDirection.RESPONSE, both: MaskDirection.BOTH,
};
const KEYWORD_MATCHES: Record<string, KeywordMatch> = { auto: KeywordMatch.UNSPECIFIED, word: KeywordMatch.WORD, prefix: KeywordMatch.PREFIX, substring: KeywordMatch.SUBSTRING };
const STYLES: Record<string, MaskStyle> = { redact: MaskStyle.REDACT, pseudonymize: MaskStyle.PSEUDONYMIZE };
const RECORDS: Record<string, RecordMode> = { masked: RecordMode.MASKED, raw: RecordMode.RAW, none: RecordMode.NONE };
const SCOPES: Record<string, LimitScope> = { global: LimitScope.GLOBAL, local: LimitScope.LOCAL };
const STORE_DOWN: Record<string, StoreDownAction> = { deny: StoreDownAction.DENY, local: StoreDownAction.LOCAL };
const INT32_MAX = 2 ** 31 - 1;
const UINT32_MAX = 2 ** 32 - 1;

/** Reads a Policy document (after `kind` and `name`). */
export function readPolicy(fields: MappingFields, name: string): Resource {
  const action = enumField(fields, "action", ACTIONS, PolicyAction.UNSPECIFIED);
  const matchFields = fields.mapping("match");
  matchFields?.only(["keywords", "patterns", "keywordMatch"]);
  const limitsFields = fields.mapping("limits");
  // countedIn is output only (`get -o yaml` prints it): ignored, so that such output applies again.
  limitsFields?.only(["requestsPerMinute", "tokensPerHour", "scope", "onStoreDown"], ["countedIn"]);
  const policy = create(PolicySchema, {
    name,
    priority: fields.integer("priority", -INT32_MAX - 1, INT32_MAX) ?? 0,
    connections: fields.strings("connections"),
    when: fields.string("when") ?? "",
    match: matchFields && create(ContentMatchSchema, {
      keywords: matchFields.strings("keywords"),
      patterns: matchFields.strings("patterns"),
      keywordMatch: enumField(matchFields, "keywordMatch", KEYWORD_MATCHES, KeywordMatch.UNSPECIFIED),
    }),
    action,
    reason: fields.string("reason") ?? "",
    limits: limitsFields && create(LimitsSchema, {
      requestsPerMinute: limitsFields.integer("requestsPerMinute", 0, UINT32_MAX) ?? 0,
      tokensPerHour: BigInt(limitsFields.integer("tokensPerHour", 0, Number.MAX_SAFE_INTEGER) ?? 0),
      scope: enumField(limitsFields, "scope", SCOPES, LimitScope.UNSPECIFIED),
      onStoreDown: enumField(limitsFields, "onStoreDown", STORE_DOWN, StoreDownAction.UNSPECIFIED),
    }),
    detectors: fields.strings("detectors"),
    maskPatterns: fields.strings("maskPatterns"),
    maskWords: fields.strings("maskWords"),
    phoneRegion: fields.string("phoneRegion") ?? "",
    direction: enumField(fields, "direction", DIRECTIONS, MaskDirection.UNSPECIFIED),
    style: enumField(fields, "style", STYLES, MaskStyle.UNSPECIFIED),
    restore: fields.boolean("restore") ?? false,
    allowBinary: binaryField(fields),
    approvers: fields.strings("approvers"),
    wait: durationField(fields, "wait"),
    grant: durationField(fields, "grant"),
    webhook: fields.string("webhook") ?? "",
    record: enumField(fields, "record", RECORDS, RecordMode.UNSPECIFIED),
    description: fields.string("description") ?? "",
  });
  return create(ResourceSchema, { resource: { case: "policy", value: policy } });
}

// `binary: allow | refuse` (refuse when absent).
function binaryField(fields: MappingFields): boolean {
  const text = fields.string("binary");
  if (text === undefined || text === "refuse") return false;
  if (text === "allow") return true;
  throw fields.errorAt("binary", `unknown binary "${text}" (allow, refuse)`);
}

function enumField<T>(fields: MappingFields, key: string, values: Record<string, T>, unset: T): T {
  const text = fields.string(key);
  if (text === undefined) return unset;
  const value = Object.hasOwn(values, text) ? values[text] : undefined;
  if (value === undefined) throw fields.errorAt(key, `unknown ${key} "${text}" (${Object.keys(values).join(", ")})`);
  return value;
}

function nameOf<T>(values: Record<string, T>, value: T): string | undefined {
  return Object.keys(values).find((key) => values[key] === value);
}

/** The data-protection fields of a policy view (mask, review, record); empty ones left out. */
function protectionView(p: Policy): Record<string, unknown> {
  const direction = nameOf(DIRECTIONS, p.direction);
  const style = nameOf(STYLES, p.style);
  const record = nameOf(RECORDS, p.record);
  return {
    ...(p.detectors.length > 0 ? { detectors: [...p.detectors] } : {}),
    ...(p.maskPatterns.length > 0 ? { maskPatterns: [...p.maskPatterns] } : {}),
    ...(p.maskWords.length > 0 ? { maskWords: [...p.maskWords] } : {}),
    ...(p.phoneRegion !== "" ? { phoneRegion: p.phoneRegion } : {}),
    ...(direction !== undefined ? { direction } : {}),
    ...(style !== undefined ? { style } : {}),
    ...(p.restore ? { restore: true } : {}),
    ...(p.allowBinary ? { binary: "allow" } : {}),
    ...(p.approvers.length > 0 ? { approvers: [...p.approvers] } : {}),
    ...(p.wait ? { wait: formatDurationSeconds(Number(p.wait.seconds)) } : {}),
    ...(p.grant ? { grant: formatDurationSeconds(Number(p.grant.seconds)) } : {}),
    ...(p.webhook !== "" ? { webhook: p.webhook } : {}),
    ...(record !== undefined ? { record } : {}),
  };
}

/** A policy in file format, fields in the order the docs list them; empty ones left out. */
export function policyView(p: Policy): Record<string, unknown> & { kind: "Policy"; name: string } {
  const keywords = p.match?.keywords ?? [];
  const patterns = p.match?.patterns ?? [];
  const keywordMatch = nameOf(KEYWORD_MATCHES, p.match?.keywordMatch ?? KeywordMatch.UNSPECIFIED);
  const requestsPerMinute = p.limits?.requestsPerMinute ?? 0;
  const tokensPerHour = Number(p.limits?.tokensPerHour ?? 0n);
  const action = nameOf(ACTIONS, p.action);
  const scope = nameOf(SCOPES, p.limits?.scope ?? LimitScope.UNSPECIFIED);
  const onStoreDown = nameOf(STORE_DOWN, p.limits?.onStoreDown ?? StoreDownAction.UNSPECIFIED);
  const countedIn = p.limits?.countedIn ?? "";
  return {
    kind: "Policy",
    name: p.name,
    priority: p.priority,
    connections: [...p.connections],
    ...(p.when !== "" ? { when: p.when } : {}),
    ...(keywords.length > 0 || patterns.length > 0
      ? { match: { ...(keywords.length > 0 ? { keywords: [...keywords] } : {}), ...(patterns.length > 0 ? { patterns: [...patterns] } : {}), ...(keywordMatch !== undefined && keywordMatch !== "auto" ? { keywordMatch } : {}) } }
      : {}),
    ...(action !== undefined ? { action } : {}),
    ...(p.reason !== "" ? { reason: p.reason } : {}),
    ...(requestsPerMinute > 0 || tokensPerHour > 0
      ? {
        limits: {
          ...(requestsPerMinute > 0 ? { requestsPerMinute } : {}), ...(tokensPerHour > 0 ? { tokensPerHour } : {}),
          ...(scope !== undefined ? { scope } : {}), ...(onStoreDown !== undefined ? { onStoreDown } : {}),
          ...(countedIn !== "" ? { countedIn } : {}),
        },
      }
      : {}),
    ...protectionView(p),
    ...(p.description !== "" ? { description: p.description } : {}),
  };
}

const WHEN_WIDTH = 40;

/** `get policies` columns over policy views. */
export const POLICY_COLUMNS: Columns<Record<string, unknown>> = [
  ["name", (r) => String(r.name)],
  ["priority", (r) => String(r.priority ?? 0)],
  ["connections", (r) => (Array.isArray(r.connections) ? r.connections.join(",") : "")],
  ["action", (r) => (typeof r.action === "string" ? r.action : "-")],
  ["when", (r) => shorten(typeof r.when === "string" ? r.when : "", WHEN_WIDTH) + (r.match ? `${r.when ? " " : ""}+content` : "")],
  ["limits", (r) => limitsText(r.limits as LimitsView | undefined)],
];

function shorten(text: string, width: number): string {
  const flat = text.replace(/\s+/g, " ").trim();
  return flat.length <= width ? flat : `${flat.slice(0, width - 1)}…`;
}

interface LimitsView { requestsPerMinute?: number; tokensPerHour?: number; countedIn?: string }

function limitsText(limits: LimitsView | undefined): string {
  if (!limits) return "";
  const amounts = [
    limits.requestsPerMinute ? `${limits.requestsPerMinute}/min` : "",
    limits.tokensPerHour ? `${limits.tokensPerHour} tokens/h` : "",
  ].filter(Boolean).join(", ");
  // Says where they are counted: `per agent` means N agents let an identity through N times.
  const where = limits.countedIn === "redis" ? "shared" : limits.countedIn === "agent" ? "per agent" : "";
  return where ? `${amounts} (${where})` : amounts;
}
