// Configuration resources over the database: every change commits with its change event.
import { create } from "@bufbuild/protobuf";
import {
  type AlertRule, type AuditSink, type Budget, type Connection, type IdentityProvider, Kind, type ModelPrice, type Policy, type Resource, ResourceSchema,
  type RoleBinding, type ServiceAccount,
} from "../../../gen/palisade/admin/v1/resources_pb.js";
import { Outcome } from "../../../gen/palisade/admin/v1/resource_service_pb.js";
import { recordChange } from "../change-events.js";
import type { Database } from "../database.js";
import { auditSinks } from "./audit-sinks.js";
import { alertRules } from "./alert-rules.js";
import { budgets } from "./budgets.js";
import { modelPrices } from "./model-prices.js";
import { connections } from "./connections.js";
import { identityProviders } from "./identity-providers.js";
import { policies } from "./policies.js";
import { checkConnectionUnused, checkPolicyConnections } from "./policies-references.js";
import type { ResourceKind } from "./resource-kind.js";
import { roleBindings } from "./role-bindings.js";
import { serviceAccounts } from "./service-accounts.js";

/** What apply did with one resource. */
export interface AppliedResource {
  kind: Kind;
  name: string;
  outcome: Outcome;
}

/** Reads and writes resources as their API messages; secrets never come back out. */
export interface ResourceStore {
  /** Applies every resource in one transaction (all or nothing), in order. */
  apply(resources: Resource[], actor: string): Promise<AppliedResource[]>;
  get(kind: Kind, name: string): Promise<Resource | undefined>;
  /** Every resource of `kind`, ordered by name. */
  list(kind: Kind): Promise<Resource[]>;
  /** Deletes one resource; false when it did not exist. */
  remove(kind: Kind, name: string, actor: string): Promise<boolean>;
}

/** The storage of `kind`, or undefined for KIND_UNSPECIFIED and unknown kinds. */
export function resourceKind(kind: Kind): ResourceKind<unknown> | undefined {
  switch (kind) {
    case Kind.CONNECTION: return connections as ResourceKind<unknown>;
    case Kind.IDENTITY_PROVIDER: return identityProviders as ResourceKind<unknown>;
    case Kind.SERVICE_ACCOUNT: return serviceAccounts as ResourceKind<unknown>;
    case Kind.POLICY: return policies as ResourceKind<unknown>;
    case Kind.ROLE_BINDING: return roleBindings as ResourceKind<unknown>;
    case Kind.AUDIT_SINK: return auditSinks as ResourceKind<unknown>;
    case Kind.ALERT_RULE: return alertRules as ResourceKind<unknown>;
    case Kind.MODEL_PRICE: return modelPrices as ResourceKind<unknown>;
    case Kind.BUDGET: return budgets as ResourceKind<unknown>;
    default: return undefined;
  }
}

/** The kind, name and message of a resource; undefined when no kind is set. */
export function unwrap(resource: Resource): { kind: Kind; name: string; message: unknown } | undefined {
  const { case: which, value } = resource.resource;
  switch (which) {
    case "connection": return { kind: Kind.CONNECTION, name: value.name, message: value };
    case "identityProvider": return { kind: Kind.IDENTITY_PROVIDER, name: value.name, message: value };
    case "serviceAccount": return { kind: Kind.SERVICE_ACCOUNT, name: value.name, message: value };
    case "policy": return { kind: Kind.POLICY, name: value.name, message: value };
    case "roleBinding": return { kind: Kind.ROLE_BINDING, name: value.name, message: value };
    case "auditSink": return { kind: Kind.AUDIT_SINK, name: value.name, message: value };
    case "alertRule": return { kind: Kind.ALERT_RULE, name: value.name, message: value };
    case "modelPrice": return { kind: Kind.MODEL_PRICE, name: value.name, message: value };
    case "budget": return { kind: Kind.BUDGET, name: value.name, message: value };
    default: return undefined;
  }
}

/** Wraps a message of `kind` into a Resource. */
function wrap(kind: Kind, message: unknown): Resource {
  switch (kind) {
    case Kind.CONNECTION:
      return create(ResourceSchema, { resource: { case: "connection", value: message as Connection } });
    case Kind.IDENTITY_PROVIDER:
      return create(ResourceSchema, { resource: { case: "identityProvider", value: message as IdentityProvider } });
    case Kind.POLICY:
      return create(ResourceSchema, { resource: { case: "policy", value: message as Policy } });
    case Kind.ROLE_BINDING:
      return create(ResourceSchema, { resource: { case: "roleBinding", value: message as RoleBinding } });
    case Kind.AUDIT_SINK:
      return create(ResourceSchema, { resource: { case: "auditSink", value: message as AuditSink } });
    case Kind.ALERT_RULE:
      return create(ResourceSchema, { resource: { case: "alertRule", value: message as AlertRule } });
    case Kind.MODEL_PRICE:
      return create(ResourceSchema, { resource: { case: "modelPrice", value: message as ModelPrice } });
    case Kind.BUDGET:
      return create(ResourceSchema, { resource: { case: "budget", value: message as Budget } });
    default:
      return create(ResourceSchema, { resource: { case: "serviceAccount", value: message as ServiceAccount } });
  }
}

/** A resource store over `db`. */
export function createResourceStore(db: Database): ResourceStore {
  const lookup = (kind: Kind): ResourceKind<unknown> => {
    const store = resourceKind(kind);
    if (!store) throw new Error(`unknown resource kind ${kind}`);
    return store;
  };
  return {
    apply(resources, actor) {
      return db.transaction(async (tx) => {
        const now = new Date();
        const results: AppliedResource[] = [];
        for (const resource of resources) {
          const found = unwrap(resource);
          if (!found) throw new Error("resource without a kind");
          const store = lookup(found.kind);
          const outcome = await store.apply(tx, found.message, now);
          results.push({ kind: found.kind, name: found.name, outcome });
          if (outcome !== Outcome.UNCHANGED) {
            const action = outcome === Outcome.CREATED ? "create" : "update";
            await recordChange(tx, { kind: store.label, name: found.name, action, actor });
          }
        }
        // After the loop: a policy may name a connection applied later in the same request.
        await checkPolicyConnections(tx, resources.flatMap((r) => (r.resource.case === "policy" ? [r.resource.value] : [])));
        return results;
      });
    },
    async get(kind, name) {
      const message = await lookup(kind).get(db.em(), name);
      return message === undefined ? undefined : wrap(kind, message);
    },
    async list(kind) {
      const messages = await lookup(kind).list(db.em());
      return messages.map((message) => wrap(kind, message));
    },
    remove(kind, name, actor) {
      const store = lookup(kind);
      return db.transaction(async (tx) => {
        const removed = await store.remove(tx, name);
        if (removed && kind === Kind.CONNECTION) await checkConnectionUnused(tx, name);
        if (removed) await recordChange(tx, { kind: store.label, name, action: "delete", actor });
        return removed;
      });
    },
  };
}
