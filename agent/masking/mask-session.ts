// The masking engine's entry point: one MaskSession per exchange masks the request body before it
// goes upstream and the response (whole or streamed) before it reaches the caller, with the
// pseudonym table and finding counts of that exchange. Rules come compiled from the snapshot.
import { createMaskContext } from "./mask-context.js";
import type { MaskedBody, MaskFindingCount, MaskRule } from "../../core/detectors/mask-types.js";
import { maskRequestBody } from "./request-masker.js";
import { maskResponseBody } from "./response-masker.js";
import { createResponseStream, type ResponseStream } from "./response-stream.js";

export type { MaskDirection, MaskedBody, MaskFindingCount, MaskRule } from "../../core/detectors/mask-types.js";

export interface MaskSession {
  /**
   * Masks every text field the provider reads; JSON stays valid; returns the same Buffer when
   * nothing matched or the body is not JSON of a known shape. `parsed`: the body as
   * `parseJsonBody` read it, when the caller has it (not parsed again; edited in place when masked).
   */
  maskRequest(body: Buffer, parsed?: unknown): Buffer;
  /** One request text (a multipart text part…) masked by the request rules; the same string when nothing matched. */
  maskText(text: string, location: string): string;
  /** A whole (non-streamed) response body. */
  maskResponse(body: Buffer, contentType: string): MaskedBody;
  /**
   * An SSE response: push() upstream bytes chunk by chunk, get what to send now (maybe empty) and
   * the JSON of the events in it, parsed once here for the readers after; end() flushes the held tail.
   */
  responseStream(): ResponseStream;
  findings(): MaskFindingCount[];
  /** Anything masked or restored so far. */
  readonly masked: boolean;
}

const isEventStream = (contentType: string) => /^\s*text\/event-stream/i.test(contentType);

/** provider: "openai" | "anthropic" | "generic"; path: the request path below the connection (e.g. /v1/chat/completions). */
export function createMaskSession(provider: string, path: string, rules: readonly MaskRule[]): MaskSession {
  const context = createMaskContext(rules);
  const responseStream = () => createResponseStream(provider, path, context);
  return {
    maskRequest: (body, parsed) => (context.masksRequests ? maskRequestBody(provider, body, context.prompt, parsed) : body),
    maskText: (text, location) => (context.masksRequests ? context.prompt.mask(text, location) : text),
    maskResponse(body, contentType) {
      if (!context.reply.active) return { client: body, record: body };
      if (!isEventStream(contentType)) return maskResponseBody(provider, body, contentType, context.reply);
      const stream = responseStream();
      const head = stream.push(body);
      const tail = stream.end();
      return { client: Buffer.concat([head.client, tail.client]), record: Buffer.concat([head.record, tail.record]) };
    },
    responseStream,
    findings: () => context.counter.list(),
    get masked() {
      return context.counter.any;
    },
  };
}
