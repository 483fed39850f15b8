// Everything the control plane exposes about itself, built once per control plane: its metrics
// registry, the readiness probe, /readyz and /metrics, the RPC interceptor and the gRPC health
// service. See docs/observability.md.
import type { ConnectRouter, ServiceImpl } from "@connectrpc/connect";
import type { Health } from "../../gen/grpc/health/v1/health_pb.js";
import { AgentAdminService } from "../../gen/palisade/admin/v1/agent_admin_service_pb.js";
import { ResourceService } from "../../gen/palisade/admin/v1/resource_service_pb.js";
import { SessionService } from "../../gen/palisade/admin/v1/session_service_pb.js";
import { TokenService } from "../../gen/palisade/admin/v1/token_service_pb.js";
import { AgentService } from "../../gen/palisade/agent/v1/agent_pb.js";
import type { Database } from "../storage/database.js";
import { createControlPlaneMetrics, type ControlPlaneMetrics } from "./control-plane-metrics.js";
import { createHealthService } from "./grpc-health.js";
import { createHttpEndpoints, type HttpEndpoints } from "./http-endpoints.js";
import { createReadinessProbe, type ReadinessProbe } from "./readiness.js";
import { interceptedRouter, rpcMetricsInterceptor } from "./rpc-metrics.js";

/** The control plane's observability surface. */
export interface ControlPlaneObservability {
  metrics: ControlPlaneMetrics;
  readiness: ReadinessProbe;
  endpoints: HttpEndpoints;
  /** The router to register services on, so each RPC is counted and timed. */
  route(router: ConnectRouter): ConnectRouter;
  /** Register as `router.service(Health, health)`. */
  health: ServiceImpl<typeof Health>;
}

// The services a health check may name (besides "" for the whole server).
const servedServices = [AgentService, ResourceService, AgentAdminService, TokenService, SessionService].map((service) => service.typeName);

/** Builds it over `db`; `snapshotVersion` is undefined until the snapshot cache is built. */
export function createControlPlaneObservability(deps: {
  db: Pick<Database, "em">;
  snapshotVersion(): string | undefined;
}): ControlPlaneObservability {
  const metrics = createControlPlaneMetrics();
  const readiness = createReadinessProbe({
    pingDatabase: async () => {
      await deps.db.em().execute("select 1");
    },
    snapshotVersion: deps.snapshotVersion,
  });
  return {
    metrics,
    readiness,
    endpoints: createHttpEndpoints(readiness, metrics.registry),
    route: (router) => interceptedRouter(router, rpcMetricsInterceptor(metrics)),
    health: createHealthService(readiness, servedServices),
  };
}
