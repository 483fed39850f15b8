// Policies: who may call what, content rules and limits. Stored flat (one column per field) so the
// snapshot builder and the admin API read them without decoding anything.
import { create } from "@bufbuild/protobuf";
import { durationFromMs, timestampFromDate } from "@bufbuild/protobuf/wkt";
import type { InferEntity } from "@mikro-orm/core";
import {
  ContentMatchSchema, Kind, KeywordMatch, LimitScope, LimitsSchema, MaskDirection, MaskStyle, type Policy, PolicyAction, PolicySchema,
  RecordMode, StoreDownAction,
} from "../../../gen/palisade/admin/v1/resources_pb.js";
import { PolicyRow } from "../entities.js";
import { Outcome, type ResourceKind, sameList } from "./resource-kind.js";
import { rowReads } from "./row-kind.js";

type Row = InferEntity<typeof PolicyRow>;

const actionNames = new Map<PolicyAction, string>([
  [PolicyAction.ALLOW, "allow"], [PolicyAction.DENY, "deny"], [PolicyAction.MASK, "mask"], [PolicyAction.REVIEW, "review"],
]);
const directionNames = new Map<MaskDirection, string>([
  [MaskDirection.REQUEST, "request"], [MaskDirection.RESPONSE, "response"], [MaskDirection.BOTH, "both"],
]);
const styleNames = new Map<MaskStyle, string>([[MaskStyle.REDACT, "redact"], [MaskStyle.PSEUDONYMIZE, "pseudonymize"]]);
const recordNames = new Map<RecordMode, string>([[RecordMode.MASKED, "masked"], [RecordMode.RAW, "raw"], [RecordMode.NONE, "none"]]);
const keywordMatchNames = new Map<KeywordMatch, string>([[KeywordMatch.WORD, "word"], [KeywordMatch.PREFIX, "prefix"], [KeywordMatch.SUBSTRING, "substring"]]);
const scopeNames = new Map<LimitScope, string>([[LimitScope.GLOBAL, "global"], [LimitScope.LOCAL, "local"]]);
const storeDownNames = new Map<StoreDownAction, string>([[StoreDownAction.DENY, "deny"], [StoreDownAction.LOCAL, "local"]]);

/** The stored name of an action ("allow", "deny", "mask", "review"); empty for a limits-only policy. */
export function actionName(action: PolicyAction): string {
  return actionNames.get(action) ?? "";
}

/** The action a stored name denotes; UNSPECIFIED for "" and anything unknown. */
export function actionFromName(name: string): PolicyAction {
  return fromName(actionNames, name, PolicyAction.UNSPECIFIED);
}

function fromName<T>(names: ReadonlyMap<T, string>, name: string, unset: T): T {
  for (const [value, stored] of names) if (stored === name) return value;
  return unset;
}

function seconds(duration: { seconds: bigint } | undefined): number {
  return Number(duration?.seconds ?? 0n);
}

/** The columns a policy message is stored as (everything but name and times). */
function columns(policy: Policy) {
  return {
    priority: policy.priority,
    connections: [...policy.connections],
    whenExpr: policy.when,
    keywords: [...(policy.match?.keywords ?? [])],
    patterns: [...(policy.match?.patterns ?? [])],
    keywordMatch: keywordMatchNames.get(policy.match?.keywordMatch ?? KeywordMatch.UNSPECIFIED) ?? "",
    action: actionName(policy.action),
    reason: policy.reason,
    requestsPerMinute: policy.limits?.requestsPerMinute ?? 0,
    tokensPerHour: policy.limits?.tokensPerHour ?? 0n,
    limitScope: scopeNames.get(policy.limits?.scope ?? LimitScope.UNSPECIFIED) ?? "",
    onStoreDown: storeDownNames.get(policy.limits?.onStoreDown ?? StoreDownAction.UNSPECIFIED) ?? "",
    description: policy.description,
    detectors: [...policy.detectors],
    maskPatterns: [...policy.maskPatterns],
    maskWords: [...policy.maskWords],
    phoneRegion: policy.phoneRegion,
    allowBinary: policy.allowBinary,
    direction: directionNames.get(policy.direction) ?? "",
    style: styleNames.get(policy.style) ?? "",
    restore: policy.restore,
    record: recordNames.get(policy.record) ?? "",
    approvers: [...policy.approvers],
    // Validation admits whole seconds only (policy-validation.ts).
    waitSeconds: seconds(policy.wait),
    grantSeconds: seconds(policy.grant),
    webhook: policy.webhook,
  };
}

/** The admin message of a stored row (the policy-row shape is also what the snapshot reads). */
export function policyFromRow(row: Row): Policy {
  const tokensPerHour = BigInt(row.tokensPerHour);
  const hasMatch = row.keywords.length > 0 || row.patterns.length > 0;
  const hasLimits = row.requestsPerMinute > 0 || tokensPerHour > 0n;
  return create(PolicySchema, {
    name: row.name,
    priority: row.priority,
    connections: row.connections,
    when: row.whenExpr,
    match: hasMatch ? create(ContentMatchSchema, { keywords: row.keywords, patterns: row.patterns, keywordMatch: fromName(keywordMatchNames, row.keywordMatch, KeywordMatch.UNSPECIFIED) }) : undefined,
    action: actionFromName(row.action),
    reason: row.reason,
    limits: hasLimits
      ? create(LimitsSchema, {
        requestsPerMinute: row.requestsPerMinute, tokensPerHour,
        scope: fromName(scopeNames, row.limitScope, LimitScope.UNSPECIFIED),
        onStoreDown: fromName(storeDownNames, row.onStoreDown, StoreDownAction.UNSPECIFIED),
      })
      : undefined,
    description: row.description,
    detectors: row.detectors,
    maskPatterns: row.maskPatterns,
    maskWords: row.maskWords,
    phoneRegion: row.phoneRegion,
    allowBinary: row.allowBinary,
    direction: fromName(directionNames, row.direction, MaskDirection.UNSPECIFIED),
    style: fromName(styleNames, row.style, MaskStyle.UNSPECIFIED),
    restore: row.restore,
    record: fromName(recordNames, row.record, RecordMode.UNSPECIFIED),
    approvers: row.approvers,
    wait: row.waitSeconds > 0 ? durationFromMs(row.waitSeconds * 1000) : undefined,
    grant: row.grantSeconds > 0 ? durationFromMs(row.grantSeconds * 1000) : undefined,
    webhook: row.webhook,
    createTime: timestampFromDate(row.createdAt),
    updateTime: timestampFromDate(row.updatedAt),
  });
}

function same(row: Row, wanted: ReturnType<typeof columns>): boolean {
  return row.priority === wanted.priority && sameList(row.connections, wanted.connections)
    && row.whenExpr === wanted.whenExpr && sameList(row.keywords, wanted.keywords)
    && sameList(row.patterns, wanted.patterns) && row.keywordMatch === wanted.keywordMatch && row.action === wanted.action && row.reason === wanted.reason
    && row.requestsPerMinute === wanted.requestsPerMinute && BigInt(row.tokensPerHour) === wanted.tokensPerHour
    && row.limitScope === wanted.limitScope && row.onStoreDown === wanted.onStoreDown
    && row.description === wanted.description && sameList(row.detectors, wanted.detectors)
    && sameList(row.maskPatterns, wanted.maskPatterns) && sameList(row.maskWords, wanted.maskWords)
    && row.phoneRegion === wanted.phoneRegion && row.allowBinary === wanted.allowBinary && row.direction === wanted.direction && row.style === wanted.style
    && row.restore === wanted.restore && row.record === wanted.record && sameList(row.approvers, wanted.approvers)
    && row.waitSeconds === wanted.waitSeconds && row.grantSeconds === wanted.grantSeconds && row.webhook === wanted.webhook;
}

/** Storage of Policy resources. */
export const policies: ResourceKind<Policy> = {
  ...rowReads({ kind: Kind.POLICY, label: "policy", entity: PolicyRow, toMessage: policyFromRow }),
  // Native reads and writes, outside the unit of work: an apply may carry thousands of policies,
  // and flushing a growing identity map once per policy made such an apply quadratic.
  async apply(tx, message, now) {
    const wanted = columns(message);
    const row = await tx.findOne(PolicyRow, { name: message.name }, { disableIdentityMap: true });
    if (!row) {
      await tx.insert(PolicyRow, { name: message.name, ...wanted, createdAt: now, updatedAt: now });
      return Outcome.CREATED;
    }
    if (same(row, wanted)) return Outcome.UNCHANGED;
    await tx.nativeUpdate(PolicyRow, { name: message.name }, { ...wanted, updatedAt: now });
    return Outcome.UPDATED;
  },
};
