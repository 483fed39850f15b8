// Counts every RPC the port serves by service, method and final status code, and times unary ones
// (a stream's duration is its connection's lifetime, not a latency).
import { Code, ConnectError, type ConnectRouter, type Interceptor, type StreamResponse } from "@connectrpc/connect";
import type { ControlPlaneMetrics } from "./control-plane-metrics.js";

function codeOf(error: unknown): string {
  return Code[ConnectError.from(error).code] ?? "Unknown";
}

/** A Connect interceptor reporting each RPC's outcome to `metrics`. */
export function rpcMetricsInterceptor(metrics: Pick<ControlPlaneMetrics, "rpc">): Interceptor {
  return (next) => async (req) => {
    const service = req.service.typeName;
    const method = req.method.name;
    const started = performance.now();
    const seconds = () => (performance.now() - started) / 1000;
    let response: Awaited<ReturnType<typeof next>>;
    try {
      response = await next(req);
    } catch (error) {
      metrics.rpc(service, method, codeOf(error), req.stream ? undefined : seconds());
      throw error;
    }
    if (!response.stream) {
      metrics.rpc(service, method, "OK", seconds());
      return response;
    }
    return { ...response, message: counted(response, (code) => metrics.rpc(service, method, code)) } as StreamResponse;
  };
}

// Passes the stream's messages through and reports how it ended (an error, or OK).
async function* counted(response: StreamResponse, report: (code: string) => void): AsyncIterable<unknown> {
  try {
    yield* response.message;
  } catch (error) {
    report(codeOf(error));
    throw error;
  }
  report("OK");
}

/**
 * `router` with `interceptor` outermost on every service and RPC registered through it. A
 * service's own interceptors replace the adapter's, so a shared one must be added per service.
 */
export function interceptedRouter(router: ConnectRouter, interceptor: Interceptor): ConnectRouter {
  const wrapped: ConnectRouter = {
    get handlers() {
      return router.handlers;
    },
    service(service, implementation, options) {
      router.service(service, implementation, { ...options, interceptors: [interceptor, ...(options?.interceptors ?? [])] });
      return wrapped;
    },
    rpc(method, implementation, options) {
      router.rpc(method, implementation, { ...options, interceptors: [interceptor, ...(options?.interceptors ?? [])] });
      return wrapped;
    },
  };
  return wrapped;
}
