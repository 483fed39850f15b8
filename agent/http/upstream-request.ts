// `dispatcher.request()` as undici does it, minus two per-request costs, with the same behaviour.
//
// 1. undici's RequestHandler.onRequestStart keeps `this.abort = (reason) => controller.abort(reason)`,
// a closure made per request. With it, a loop of sequential requests through one keep-alive
// connection promotes ~14 % of what it allocates at every scavenge (the handler, the response
// stream and everything its callback reaches: here, the whole request pipeline's state, ~28 KB a
// request), and each scavenge takes 6-20 ms instead of < 1 ms; the same loop with that one line
// bound instead (`controller.abort.bind(controller)`, same behaviour) promotes almost nothing
// (docs/performance.md, "Issue 13: the tail at one connection").
//
// 2. An AbortSignal's listener: the handler registers one on `options.signal` (node:events'
// addAbortListener on an EventTarget, and its removal when the body closes), ~2 µs a request, to
// run one function when the caller leaves. An UpstreamAbort runs that same function, called
// directly: `abort()` does what aborting the signal did, at the same moments (nothing once the
// body has closed or the request failed), and the request is dispatched with the same hook that
// takes it out of a pool's queue.
//
// undici is pinned (package.json); its modules are CommonJS without an exports map, so these paths
// are importable; upstream-request.test.ts checks that they are still there and that the response,
// abort and errors behave as `request()`'s with a signal.
import { createRequire } from "node:module";
import type { Dispatcher } from "undici";

type Callback = (error: Error | null, data?: Dispatcher.ResponseData) => void;

interface RequestHandlerBase extends Dispatcher.DispatchHandler {
  reason: unknown;
  controller: Dispatcher.DispatchController | null;
  abort: ((reason?: unknown) => void) | null;
  context: unknown;
  res: (NodeJS.ReadableStream & { closed: boolean; on(event: "error", listener: () => void): unknown }) | null;
}

const require = createRequire(import.meta.url);
const { RequestHandler } = require("undici/lib/api/api-request.js") as {
  RequestHandler: new (options: Dispatcher.RequestOptions, callback: Callback) => RequestHandlerBase;
};
const { dispatchWithSignal } = require("undici/lib/api/abort-signal.js") as {
  dispatchWithSignal(dispatcher: Dispatcher, options: Dispatcher.RequestOptions, handler: Dispatcher.DispatchHandler): void;
};
const { destroy } = require("undici/lib/core/util.js") as { destroy(stream: unknown, error: unknown): void };
const noop = () => {};

class BoundAbortHandler extends RequestHandler {
  /** The request failed (onResponseError): an abort does nothing more, as the signal's listener was removed then. */
  failed = false;

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

  override onResponseError(controller: Dispatcher.DispatchController, error: Error): void {
    this.failed = true;
    super.onResponseError!(controller, error);
  }

  /** What RequestHandler's listener on `options.signal` does when the signal aborts with `reason`. */
  cancel(reason: unknown): void {
    // The listener is removed when the response body closes and when the request fails.
    if (this.failed || this.res?.closed) return;
    this.reason = reason;
    if (this.res) {
      // Null the reference before destroying (undici's reason: chunks flushed after the abort are dropped).
      const res = this.res;
      this.res = null;
      destroy(res.on("error", noop), reason);
    } else if (this.abort) {
      this.abort(reason);
    }
  }
}

/** Aborts one upstream request, as aborting the AbortController of its `signal` would. */
export class UpstreamAbort {
  private handler: BoundAbortHandler | undefined;
  private reason: unknown;

  /** True once abort() was called. */
  get aborted(): boolean {
    return this.reason !== undefined;
  }

  /** Aborts the request (with AbortController.abort()'s reason); later calls do nothing. */
  abort(): void {
    if (this.reason !== undefined) return;
    this.reason = new DOMException("This operation was aborted", "AbortError");
    this.handler?.cancel(this.reason);
  }

  /** Binds the request's handler; throws the reason if already aborted (as a signal aborted before the request). */
  attach(handler: BoundAbortHandler): void {
    if (this.reason !== undefined) throw this.reason;
    this.handler = handler;
  }
}

/**
 * What `dispatcher.request(options)` resolves to, the same way (status, headers, body stream,
 * errors, abort by `options.signal`, or by `abort`: the same effects without an AbortSignal).
 */
export function upstreamRequest(dispatcher: Dispatcher, options: Dispatcher.RequestOptions, abort?: UpstreamAbort): Promise<Dispatcher.ResponseData> {
  return new Promise((resolve, reject) => {
    const callback: Callback = (error, data) => (error ? reject(error) : resolve(data!));
    // Invalid options or a signal already aborted throw here, which rejects, as `request()` does.
    const handler = new BoundAbortHandler(options, callback);
    abort?.attach(handler);
    if (options.signal == null && abort === undefined) dispatcher.dispatch(options, handler);
    else dispatchWithSignal(dispatcher, options, handler);
  });
}
