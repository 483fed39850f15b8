// Stored resources printed in the resource file format, so `get -o yaml` output can be applied
// again (secrets are never returned: a connection shows `credentialSet` instead).
import { timestampDate, type Timestamp } from "@bufbuild/protobuf/wkt";
import type {
  Connection,
  IdentityProvider,
  Resource,
  ServiceAccount,
} from "../../gen/palisade/admin/v1/resources_pb.js";
import { formatDurationSeconds } from "../duration.js";
import type { Columns } from "../output.js";
import { AGENT_COLUMNS } from "./agent-view.js";
import type { ResourceView } from "./view.js";
import { AUDIT_SINK_COLUMNS, auditSinkView } from "./audit-sink-resource.js";
import { ALERT_RULE_COLUMNS, alertRuleView } from "./alert-rule-resource.js";
import { BUDGET_COLUMNS, budgetView, MODEL_PRICE_COLUMNS, modelPriceView } from "./budget-resource.js";
import { POLICY_COLUMNS, policyView } from "./policy-resource.js";
import { providerName } from "./providers.js";
import { ROLE_BINDING_COLUMNS, roleBindingView } from "./role-binding-resource.js";

export type { ResourceView } from "./view.js";

/** The file-format view of any resource. */
export function resourceView(resource: Resource): ResourceView {
  switch (resource.resource.case) {
    case "connection":
      return connectionView(resource.resource.value);
    case "identityProvider":
      return identityProviderView(resource.resource.value);
    case "serviceAccount":
      return serviceAccountView(resource.resource.value);
    case "policy":
      return { ...policyView(resource.resource.value), ...times(resource.resource.value) };
    case "roleBinding":
      return { ...roleBindingView(resource.resource.value), ...times(resource.resource.value) };
    case "auditSink":
      return { ...auditSinkView(resource.resource.value), ...times(resource.resource.value) };
    case "alertRule":
      return { ...alertRuleView(resource.resource.value), ...times(resource.resource.value) };
    case "modelPrice":
      return { ...modelPriceView(resource.resource.value), ...times(resource.resource.value) };
    case "budget":
      return { ...budgetView(resource.resource.value), ...times(resource.resource.value) };
    default:
      return { kind: "Unknown", name: "" };
  }
}

function connectionView(c: Connection): ResourceView {
  return {
    kind: "Connection",
    name: c.name,
    provider: providerName(c.provider),
    upstream: c.upstream,
    credentialSet: c.credentialSet,
    ...(c.segments.length > 0 ? { segments: [...c.segments] } : {}),
    ...(c.allowedGroups.length > 0 ? { allowedGroups: [...c.allowedGroups] } : {}),
    ...(c.retention && c.retention.seconds > 0n ? { retention: formatDurationSeconds(Number(c.retention.seconds)) } : {}),
    ...times(c),
  };
}

function identityProviderView(p: IdentityProvider): ResourceView {
  return {
    kind: "IdentityProvider",
    name: p.name,
    issuer: p.issuer,
    audience: p.audience,
    ...(p.jwksUri !== "" ? { jwksUri: p.jwksUri } : {}),
    ...(p.groupsClaim !== "" ? { groupsClaim: p.groupsClaim } : {}),
    ...(p.console ? { console: { clientId: p.console.clientId, ...(p.console.scopes.length > 0 ? { scopes: [...p.console.scopes] } : {}) } } : {}),
    ...times(p),
  };
}

function serviceAccountView(s: ServiceAccount): ResourceView {
  return {
    kind: "ServiceAccount",
    name: s.name,
    ...(s.groups.length > 0 ? { groups: [...s.groups] } : {}),
    ...(s.description !== "" ? { description: s.description } : {}),
    ...times(s),
  };
}

/** Table columns for resources of one kind, chosen from the first item's kind. */
export function resourceColumns(kind: string): Columns<ResourceView> {
  const common: Columns<ResourceView> = [["name", (r) => r.name]];
  const text = (key: string) => (r: ResourceView) => (r[key] === undefined ? "" : String(r[key]));
  const list = (key: string) => (r: ResourceView) => (Array.isArray(r[key]) ? (r[key] as string[]).join(",") : "");
  switch (kind) {
    case "Connection":
      return [
        ...common,
        ["provider", text("provider")],
        ["upstream", text("upstream")],
        ["segments", (r) => list("segments")(r) || "*"],
        ["allowed groups", (r) => list("allowedGroups")(r) || "any"],
        ["credential", (r) => (r.credentialSet ? "set" : "missing")],
        ["retention", (r) => text("retention")(r) || "forever"],
      ];
    case "IdentityProvider":
      return [
        ...common,
        ["issuer", text("issuer")],
        ["audience", text("audience")],
        ["groups claim", text("groupsClaim")],
        ["jwks", text("jwksUri")],
      ];
    case "ServiceAccount":
      return [...common, ["groups", list("groups")], ["description", text("description")]];
    case "Policy":
      return POLICY_COLUMNS;
    case "RoleBinding":
      return ROLE_BINDING_COLUMNS;
    case "AuditSink":
      return AUDIT_SINK_COLUMNS;
    case "AlertRule":
      return ALERT_RULE_COLUMNS;
    case "ModelPrice":
      return MODEL_PRICE_COLUMNS;
    case "Budget":
      return BUDGET_COLUMNS;
    case "Agent":
      return AGENT_COLUMNS;
    default:
      return common;
  }
}

function times(r: { createTime?: Timestamp; updateTime?: Timestamp }): Record<string, string> {
  return {
    ...(r.createTime ? { createTime: iso(r.createTime) } : {}),
    ...(r.updateTime ? { updateTime: iso(r.updateTime) } : {}),
  };
}

function iso(t: Timestamp): string {
  return timestampDate(t).toISOString();
}
