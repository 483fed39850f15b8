// Times upstream answers: from handing the request to undici until the response headers arrive
// (the provider's latency as the agent sees it, connection set-up included), whether or not the
// body then streams for minutes.
import type { Dispatcher } from "undici";

/** `dispatcher` with each request's time to response headers (seconds) reported to `observe`. */
export function timedDispatcher(dispatcher: Dispatcher, observe: (seconds: number, status: number) => void): Dispatcher {
  return dispatcher.compose((dispatch) => (options, handler) => {
    const started = performance.now();
    let seen = false;
    const onResponseStart: Dispatcher.DispatchHandler["onResponseStart"] = (controller, statusCode, headers, statusMessage) => {
      // Interim 1xx answers come before the real one.
      if (!seen && statusCode >= 200) {
        seen = true;
        observe((performance.now() - started) / 1000, statusCode);
      }
      return handler.onResponseStart?.(controller, statusCode, headers, statusMessage);
    };
    // Only onResponseStart is ours; everything else is the caller's handler, bound to itself.
    const timed = new Proxy(handler, {
      get(target, property) {
        if (property === "onResponseStart") return onResponseStart;
        const value: unknown = Reflect.get(target, property, target);
        return typeof value === "function" ? value.bind(target) : value;
      },
    });
    return dispatch(options, timed);
  });
}
