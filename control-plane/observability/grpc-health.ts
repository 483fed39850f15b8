// The standard gRPC health service (grpc.health.v1.Health) over the readiness probe: the server
// as a whole ("") and each Palisade service it hosts are SERVING exactly when /readyz says ready.
import { create } from "@bufbuild/protobuf";
import { Code, ConnectError, type ServiceImpl } from "@connectrpc/connect";
import {
  type Health,
  HealthCheckResponse_ServingStatus as Status,
  HealthCheckResponseSchema,
} from "../../gen/grpc/health/v1/health_pb.js";
import type { ReadinessProbe } from "./readiness.js";

// How often Watch re-checks readiness to tell a change.
const watchIntervalMs = 5_000;

/** The Health service answering for `services` (fully qualified names) and for "". */
export function createHealthService(probe: Pick<ReadinessProbe, "check">, services: readonly string[]): ServiceImpl<typeof Health> {
  const known = new Set(["", ...services]);
  const status = async () => ((await probe.check()).ready ? Status.SERVING : Status.NOT_SERVING);
  return {
    async check(request) {
      if (!known.has(request.service)) throw new ConnectError(`unknown service ${request.service}`, Code.NotFound);
      return { status: await status() };
    },
    async list() {
      const now = await status();
      return { statuses: Object.fromEntries([...known].map((name) => [name, create(HealthCheckResponseSchema, { status: now })])) };
    },
    async *watch(request, context) {
      if (!known.has(request.service)) {
        // The protocol keeps the call open for a service that may appear; ours never do.
        yield { status: Status.SERVICE_UNKNOWN };
        await new Promise((resolve) => context.signal.addEventListener("abort", resolve, { once: true }));
        return;
      }
      let last: Status | undefined;
      while (!context.signal.aborted) {
        const now = await status();
        if (now !== last) yield { status: now };
        last = now;
        await new Promise((resolve) => {
          const timer = setTimeout(resolve, watchIntervalMs);
          context.signal.addEventListener("abort", () => { clearTimeout(timer); resolve(undefined); }, { once: true });
        });
      }
    },
  };
}
