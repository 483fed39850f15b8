// `dispatcher.request()` as undici does it, minus one closure that made every request's objects
// outlive the young-generation GC (docs/performance.md, "Issue 13: the tail at one connection").
//
// undici's RequestHandler.onRequestStart keeps `this.abort = (reason) => controller.abort(reason)`,
// a closure made per request. With it, a loop of sequential requests through one keep-alive
// connection promotes ~14 % of what it allocates at every scavenge (the handler, the response
// stream and everything its callback reaches: here, the whole request pipeline's state, ~28 KB a
// request), and each scavenge takes 6-20 ms instead of < 1 ms; the same loop with that one line
// bound instead (`controller.abort.bind(controller)`, same behaviour) promotes almost nothing.
// So this subclass replaces that method and nothing else; dispatching goes through undici's own
// dispatchWithSignal as `request()` does. undici is pinned (package.json); its modules are
// CommonJS without an exports map, so these paths are importable; upstream-request.test.ts checks
// that both are still there and that the response, abort and errors behave as `request()`'s.
import { createRequire } from "node:module";
import type { Dispatcher } from "undici";

type Callback = (error: Error | null, data?: Dispatcher.ResponseData) => void;

interface RequestHandlerBase extends Dispatcher.DispatchHandler {
  reason: unknown;
  controller: Dispatcher.DispatchController | null;
  abort: ((reason?: unknown) => void) | null;
  context: unknown;
}

const require = createRequire(import.meta.url);
const { RequestHandler } = require("undici/lib/api/api-request.js") as {
  RequestHandler: new (options: Dispatcher.RequestOptions, callback: Callback) => RequestHandlerBase;
};
const { dispatchWithSignal } = require("undici/lib/api/abort-signal.js") as {
  dispatchWithSignal(dispatcher: Dispatcher, options: Dispatcher.RequestOptions, handler: Dispatcher.DispatchHandler): void;
};

class BoundAbortHandler extends RequestHandler {
  // undici's own method, with the abort bound instead of a closure.
  override onRequestStart(controller: Dispatcher.DispatchController, context: unknown): void {
    if (this.reason) {
      controller.abort(this.reason as Error);
      return;
    }
    this.controller = controller;
    this.abort = controller.abort.bind(controller) as (reason?: unknown) => void;
    this.context = context;
  }
}

/** What `dispatcher.request(options)` resolves to, the same way (status, headers, body stream, errors, abort by `options.signal`). */
export function upstreamRequest(dispatcher: Dispatcher, options: Dispatcher.RequestOptions): Promise<Dispatcher.ResponseData> {
  return new Promise((resolve, reject) => {
    const callback: Callback = (error, data) => (error ? reject(error) : resolve(data!));
    // Invalid options or a signal already aborted throw here, which rejects, as `request()` does.
    const handler = new BoundAbortHandler(options, callback);
    if (options.signal == null) dispatcher.dispatch(options, handler);
    else dispatchWithSignal(dispatcher, options, handler);
  });
}
