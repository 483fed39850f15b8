// Placeholder until the SSE maskers land: passes the stream through when the reply needs no
// masking and refuses to start otherwise (fail closed: the pipeline must not stream unmasked).
import type { MaskContext } from "./mask-context.js";
import type { MaskedBody } from "./mask-types.js";

export interface ResponseStream {
  push(chunk: Buffer): MaskedBody;
  end(): MaskedBody;
}

const empty = Buffer.alloc(0);

/** A masker for one SSE response. */
export function createResponseStream(_provider: string, _path: string, context: MaskContext): ResponseStream {
  if (context.reply.active) throw new Error("streamed response masking is not available yet");
  return { push: (chunk) => ({ client: chunk, record: chunk }), end: () => ({ client: empty, record: empty }) };
}
