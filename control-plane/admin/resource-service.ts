// palisade.admin.v1.ResourceService: thin transport over the resource store.
import { Code, ConnectError, type ServiceImpl } from "@connectrpc/connect";
import type { ResourceService } from "../../gen/palisade/admin/v1/resource_service_pb.js";
import { Kind } from "../../gen/palisade/admin/v1/resources_pb.js";
import { adminActor } from "../auth/admin-auth.js";
import { InvalidResourceError } from "../storage/resources/resource-kind.js";
import { ResourceInUseError } from "../storage/resources/policies-references.js";
import { type ResourceStore, resourceKind } from "../storage/resources/resource-store.js";
import { retryableConflicts } from "./storage-errors.js";
import { invalid } from "./input-checks.js";
import { checkResources } from "./validation.js";
import { checkPolicyPatterns } from "../policy-patterns.js";
import { withCountedIn } from "../limits/counter-store-config.js";
import type { Resource } from "../../gen/palisade/admin/v1/resources_pb.js";

function checkKind(kind: Kind): string {
  const store = resourceKind(kind);
  if (!store) throw invalid(`kind must be one of connection, identity provider, service account, policy, role binding, audit sink, alert rule, model price, budget (got ${Kind[kind] ?? kind})`);
  return store.label;
}

/** The ResourceService implementation over `resources`; `counterStore` says whether agents share limit counters (Limits.counted_in). */
export function createResourceService(resources: ResourceStore, counterStore = false): ServiceImpl<typeof ResourceService> {
  const shown = (resource: Resource): Resource => {
    if (resource.resource.case === "policy") withCountedIn(resource.resource.value, counterStore);
    return resource;
  };
  return {
    async apply(request, context) {
      checkResources(request.resources);
      await checkPolicyPatterns(request.resources);
      try {
        const results = await retryableConflicts("a resource", () => resources.apply(request.resources, adminActor(context)));
        return { results };
      } catch (error) {
        if (error instanceof InvalidResourceError) throw invalid(error.message);
        throw error;
      }
    },
    async getResource(request) {
      const label = checkKind(request.kind);
      const resource = await resources.get(request.kind, request.name);
      if (!resource) throw new ConnectError(`${label} "${request.name}" not found`, Code.NotFound);
      return { resource: shown(resource) };
    },
    async listResources(request) {
      checkKind(request.kind);
      return { resources: (await resources.list(request.kind)).map(shown) };
    },
    async deleteResource(request, context) {
      const label = checkKind(request.kind);
      let removed: boolean;
      try {
        removed = await resources.remove(request.kind, request.name, adminActor(context));
      } catch (error) {
        if (error instanceof ResourceInUseError) throw new ConnectError(error.message, Code.FailedPrecondition);
        throw error;
      }
      if (!removed) throw new ConnectError(`${label} "${request.name}" not found`, Code.NotFound);
      return {};
    },
  };
}
