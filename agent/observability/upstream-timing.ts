// Times upstream answers: from handing the request to undici until the response headers arrive
// (the provider's latency as the agent sees it, connection set-up included), whether or not the
// body then streams for minutes.
import type { Dispatcher } from "undici";

type Handler = Dispatcher.DispatchHandler;

// The caller's handler methods we pass through untouched (undici's handler API; onResponseStart is ours).
const passed = ["onRequestStart", "onRequestUpgrade", "onResponseStarted", "onResponseData", "onResponseEnd", "onResponseError", "onBodySent", "onRequestSent"] as const;

/** `handler` with `onResponseStart` reporting the first final status to `seen`; every other method is the handler's own. */
function timedHandler(handler: Handler, seen: (statusCode: number) => void): Handler {
  // A plain object with the handler's methods bound once per request (not a Proxy, whose trap
  // would run, and bind again, on every callback: every chunk of a 2,000-chunk stream).
  // onResponseStart is made inside the object literal, not assigned (`timed.onResponseStart = () =>`):
  // V8 allocates a function literal assigned to a property straight in the old generation, and
  // that closure (dead after the request, but only collected by a full GC) would keep the handler
  // and everything it reaches (the whole request's state) alive through every scavenge until then.
  let reported = false;
  const timed: Handler = {
    onResponseStart: (controller, statusCode, headers, statusMessage) => {
      // Interim 1xx answers come before the real one.
      if (!reported && statusCode >= 200) {
        reported = true;
        seen(statusCode);
      }
      return handler.onResponseStart?.(controller, statusCode, headers, statusMessage);
    },
  };
  for (const name of passed) {
    const method = handler[name] as ((...args: unknown[]) => unknown) | undefined;
    if (method) (timed as Record<string, unknown>)[name] = method.bind(handler);
  }
  return timed;
}

/** `dispatcher` with each request's time to response headers (seconds) reported to `observe`. */
export function timedDispatcher(dispatcher: Dispatcher, observe: (seconds: number, status: number) => void): Dispatcher {
  return dispatcher.compose((dispatch) => (options, handler) => {
    const started = performance.now();
    return dispatch(options, timedHandler(handler, (status) => observe((performance.now() - started) / 1000, status)));
  });
}
