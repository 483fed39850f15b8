// Pending reviews nobody decided in time become expired: a periodic sweep on every replica (the
// update is conditional, so replicas sweeping at once expire each review once). Reads never wait
// for the sweep: a pending review past its expiry already reads as expired and cannot be decided.
import type { Logger } from "pino";
import type { ReviewStore } from "./review-store.js";

/** Starts sweeping every `intervalMs`; returns the function that stops it. */
export function startReviewExpiry(deps: { store: ReviewStore; logger: Logger; intervalMs?: number }): () => void {
  let running = false;
  const sweep = async () => {
    if (running) return;
    running = true;
    try {
      const expired = await deps.store.expireOverdue();
      if (expired > 0) deps.logger.info({ expired }, "pending reviews expired undecided");
    } catch (err) {
      deps.logger.warn({ err }, "review expiry sweep failed; next one retries");
    } finally {
      running = false;
    }
  };
  const timer = setInterval(() => void sweep(), deps.intervalMs ?? 30_000);
  timer.unref();
  return () => clearInterval(timer);
}
