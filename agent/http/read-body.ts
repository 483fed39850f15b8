// Buffers a request body up to a limit. Providers' request bodies are JSON documents the agent must
// read whole (model, stream flag) before forwarding, so streaming them through is not an option.
import type { IncomingMessage } from "node:http";

/** The whole body, or `tooLarge` once it passed the limit. */
export type BodyResult = { ok: true; body: Buffer } | { ok: false; tooLarge: true } | { ok: false; tooLarge: false };

/**
 * Reads the body, stopping at `limit` bytes: a declared Content-Length above it is refused without
 * reading; a streamed one is refused as soon as it passes the limit. The rest is left unread (Node
 * discards it after the response, or closes the connection).
 */
export function readBody(req: IncomingMessage, limit: number): Promise<BodyResult> {
  const declared = Number(req.headers["content-length"]);
  if (Number.isFinite(declared) && declared > limit) return Promise.resolve({ ok: false, tooLarge: true });
  // Gone while the caller's token was being checked (e.g. its broken body already got a 400 from
  // the parser): 'close' has fired and will not again, so waiting for it would hang the request.
  if (req.destroyed) return Promise.resolve({ ok: false, tooLarge: false });
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const finish = (result: BodyResult) => {
      req.off("data", onData);
      req.off("end", onEnd);
      req.off("error", onFail);
      req.off("close", onFail);
      resolve(result);
    };
    const onData = (chunk: Buffer) => {
      size += chunk.length;
      if (size > limit) {
        req.pause();
        return finish({ ok: false, tooLarge: true });
      }
      chunks.push(chunk);
    };
    const onEnd = () => finish({ ok: true, body: Buffer.concat(chunks, size) });
    const onFail = () => finish({ ok: false, tooLarge: false });
    req.on("data", onData);
    req.on("end", onEnd);
    req.on("error", onFail);
    req.on("close", onFail);
  });
}

const discardGraceMs = 10_000;

/**
 * After an early answer (413), reads and throws away what the caller is still sending, so it can
 * read that answer instead of hitting a reset mid-upload, and the connection stays reusable. A
 * caller that keeps sending past the grace period loses the connection.
 */
export function discardRest(req: IncomingMessage): void {
  if (req.complete) return;
  const timer = setTimeout(() => req.socket.destroy(), discardGraceMs);
  timer.unref();
  req.once("end", () => clearTimeout(timer));
  req.once("close", () => clearTimeout(timer));
  req.resume();
}
