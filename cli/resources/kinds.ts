// Resource kinds as the resource file and the command line name them.
import { Kind } from "../../gen/palisade/admin/v1/resources_pb.js";
import { CliError } from "../errors.js";

/** The `kind:` values a resource file may use. */
export const FILE_KINDS = ["Connection", "IdentityProvider", "ServiceAccount", "Policy", "RoleBinding", "AuditSink", "AlertRule", "ModelPrice", "Budget"] as const;
/** One `kind:` value. */
export type FileKind = (typeof FILE_KINDS)[number];

/** What `get`/`delete` may name: a stored resource kind or the agents. */
export type KindArgument = { resource: Kind } | { agents: true };

const FILE_KIND_TO_KIND: Record<FileKind, Kind> = {
  Connection: Kind.CONNECTION,
  IdentityProvider: Kind.IDENTITY_PROVIDER,
  ServiceAccount: Kind.SERVICE_ACCOUNT,
  Policy: Kind.POLICY,
  RoleBinding: Kind.ROLE_BINDING,
  AuditSink: Kind.AUDIT_SINK,
  AlertRule: Kind.ALERT_RULE,
  ModelPrice: Kind.MODEL_PRICE,
  Budget: Kind.BUDGET,
};

const ALIASES: Record<string, KindArgument> = {
  connection: { resource: Kind.CONNECTION },
  connections: { resource: Kind.CONNECTION },
  conn: { resource: Kind.CONNECTION },
  identityprovider: { resource: Kind.IDENTITY_PROVIDER },
  identityproviders: { resource: Kind.IDENTITY_PROVIDER },
  idp: { resource: Kind.IDENTITY_PROVIDER },
  idps: { resource: Kind.IDENTITY_PROVIDER },
  serviceaccount: { resource: Kind.SERVICE_ACCOUNT },
  serviceaccounts: { resource: Kind.SERVICE_ACCOUNT },
  sa: { resource: Kind.SERVICE_ACCOUNT },
  policy: { resource: Kind.POLICY },
  policies: { resource: Kind.POLICY },
  pol: { resource: Kind.POLICY },
  rolebinding: { resource: Kind.ROLE_BINDING },
  rolebindings: { resource: Kind.ROLE_BINDING },
  rb: { resource: Kind.ROLE_BINDING },
  auditsink: { resource: Kind.AUDIT_SINK },
  auditsinks: { resource: Kind.AUDIT_SINK },
  sink: { resource: Kind.AUDIT_SINK },
  sinks: { resource: Kind.AUDIT_SINK },
  alertrule: { resource: Kind.ALERT_RULE },
  alertrules: { resource: Kind.ALERT_RULE },
  modelprice: { resource: Kind.MODEL_PRICE },
  modelprices: { resource: Kind.MODEL_PRICE },
  price: { resource: Kind.MODEL_PRICE },
  prices: { resource: Kind.MODEL_PRICE },
  budget: { resource: Kind.BUDGET },
  budgets: { resource: Kind.BUDGET },
  agent: { agents: true },
  agents: { agents: true },
};

/** The proto kind of a `kind:` value. */
export function kindOfFileKind(kind: FileKind): Kind {
  return FILE_KIND_TO_KIND[kind];
}

/** Whether a `kind:` value is one a resource file may use. */
export function isFileKind(value: string): value is FileKind {
  return (FILE_KINDS as readonly string[]).includes(value);
}

/** Parses a KIND argument (`connections`, `idp`, `sa`, `agent`…, any case). */
export function parseKindArgument(value: string): KindArgument {
  const kind = ALIASES[value.toLowerCase().replace(/[-_]/g, "")];
  if (kind === undefined) {
    throw new CliError(`unknown kind "${value}" (use connection, identityprovider/idp, serviceaccount/sa, policy, rolebinding/rb, auditsink/sink, alertrule, modelprice/price, budget or agent)`);
  }
  return kind;
}

/** The `kind:` value of a proto kind. */
export function fileKindOf(kind: Kind): FileKind {
  const found = FILE_KINDS.find((name) => FILE_KIND_TO_KIND[name] === kind);
  if (found === undefined) throw new CliError(`unknown kind ${kind}`);
  return found;
}

/** The lower-case label used in `kind/name` messages (`connection/openai`). */
export function kindLabel(kind: Kind): string {
  return fileKindOf(kind).toLowerCase();
}
