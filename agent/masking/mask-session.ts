// The masking engine's entry point: one MaskSession per exchange masks the request body before it
// goes upstream and the response (whole or streamed) before it reaches the caller, with the
// pseudonym table and finding counts of that exchange. Rules come compiled from the snapshot.
import { isUtf8 } from "node:buffer";
import type { OutgoingHttpHeaders } from "node:http";
import { createMaskContext, type MaskContext, type PromptMasker } from "./mask-context.js";
import type { MaskFindingCount, MaskRule } from "../../core/detectors/mask-types.js";
import { maskRequestBody } from "./request-masker.js";
import { maskResponseBody, type MaskedReply } from "./response-masker.js";
import { createResponseStream, type ResponseStream } from "./response-stream.js";
import { LastKept } from "./last-kept.js";
import { createCleanCache, type CleanCache } from "./value-masker.js";
import { readableReply } from "./uninspectable.js";
import { asksBase64Vectors } from "./embedding-vectors.js";

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
  /** A whole (non-streamed) response body, read by what it is (JSON, NDJSON, SSE, text); throws UninspectableReply when it cannot be read. */
  maskResponse(body: Buffer, contentType: string): MaskedReply;
  /**
   * An SSE response: push() upstream bytes chunk by chunk, get what to send now (maybe empty) and
   * the JSON of the events in it, parsed once here for the readers after; end() flushes the held tail.
   * push() and end() throw UninspectableReply when the stream cannot be read.
   */
  responseStream(): ResponseStream;
  /** The reply's headers with every value masked like reply text (placeholders never restored: a header is no text the model wrote, and browsers follow Location, Link, Refresh, Set-Cookie), and every header whose name holds a value dropped (same object when nothing matched). */
  maskHeaders(headers: OutgoingHttpHeaders): OutgoingHttpHeaders;
  /** Whether the reply must be read at all: a rule masks responses, or a placeholder may need restoring. */
  readonly inspectsReplies: boolean;
  /** The request side's masker (for masking a request's text slots), and whether any rule masks requests. */
  readonly prompt: PromptMasker;
  readonly masksRequests: boolean;
  findings(): MaskFindingCount[];
  /** Anything masked or restored so far. */
  readonly masked: boolean;
}

// A header name as its reader splits it: whole, its `-`/`_` as spaces, and from each separator on
// (`x-4111…`: detectors do not start a value after a dash glued to a word), one per line.
function nameReading(name: string): string {
  let reading = nameReadings.get(name);
  if (reading === undefined) {
    const parts = [name, name.replace(/[-_]/g, " ")];
    for (const separator of name.matchAll(/[-_]/g)) parts.push(name.slice(separator.index + 1));
    reading = parts.join("\n");
    if (nameReadings.size < 1024) nameReadings.set(name, reading);
  }
  return reading;
}
const nameReadings = new Map<string, string>(); // the same few names in every reply

const headerLocation = (name: string) => `response.headers.${name}`;
const itself = (location: string) => location;
const nonAscii = /[\u0080-\u00ff]/;

// Header bytes come as Latin-1; a reader may decode them as UTF-8 (`＠` is three bytes): UTF-8 is read as UTF-8 and written back as its bytes.
function maskHeaderValue(clean: CleanCache, name: string, text: string): string | undefined {
  const utf8 = nonAscii.test(text) && isUtf8(Buffer.from(text, "latin1"));
  const found = clean.mask(utf8 ? Buffer.from(text, "latin1").toString("utf8") : text, name, headerLocation, false);
  return found && (utf8 ? Buffer.from(found.client, "utf8").toString("latin1") : found.client);
}

// The session is a class whose operations are its methods (one object per exchange, not a closure
// per operation: ~0.5 KB less of every exchange's allocation), and whose two read-outs are getters
// of a class, not of an object literal: V8 keeps a literal's accessors in the old generation, so
// every exchange's getter closures (and the whole session they reach) outlived each scavenge until
// the next full GC (docs/performance.md, "Issue 13: the tail at one connection").
/** The last reply stream made, with its session (last-kept.ts). */
export const lastStream = new LastKept<{ session: MaskSession; stream: ResponseStream }>();

class Session implements MaskSession {
  readonly prompt: PromptMasker;
  readonly masksRequests: boolean;
  // Short texts found clean (header values, a reply's ids and keys): one reader per exchange for its headers and whole reply.
  private cleanCache: CleanCache | undefined;

  constructor(
    private readonly provider: string,
    private readonly path: string,
    private readonly context: MaskContext,
    /** The request asked for base64 embeddings: the reply's vectors are numbers (embedding-vectors.ts). */
    private readonly vectors: boolean,
  ) {
    this.prompt = context.prompt;
    this.masksRequests = context.masksRequests;
  }

  get inspectsReplies(): boolean {
    return this.context.reply.active;
  }

  get masked(): boolean {
    return this.context.counter.any;
  }

  maskRequest(body: Buffer, parsed?: unknown): Buffer {
    return this.context.masksRequests ? maskRequestBody(body, this.context.prompt, parsed) : body;
  }

  maskText(text: string, location: string): string {
    return this.context.masksRequests ? this.context.prompt.mask(text, location) : text;
  }

  maskResponse(body: Buffer, contentType: string): MaskedReply {
    const { reply } = this.context;
    if (!reply.active) return { client: body, record: body };
    const clean = (this.cleanCache ??= createCleanCache(reply));
    return readableReply(() => maskResponseBody(body, contentType, reply, () => this.responseStream(), clean, this.vectors));
  }

  responseStream(): ResponseStream {
    const stream = createResponseStream(this.provider, this.path, this.context);
    // The last stream and its session stay alive until the next stream: their maps, and so the
    // masker's optimized code, survive a major GC between two streams (last-kept.ts).
    lastStream.keep({ session: this, stream });
    return { push: (chunk) => readableReply(() => stream.push(chunk)), end: () => readableReply(() => stream.end()) };
  }

  maskHeaders(headers: OutgoingHttpHeaders): OutgoingHttpHeaders {
    if (!this.context.reply.active) return headers;
    // Header values are short and mostly the same on every reply (types, lengths, the date of this second): cached when clean.
    const clean = (this.cleanCache ??= createCleanCache(this.context.reply));
    let out: OutgoingHttpHeaders | undefined;
    for (const name in headers) {
      const value = headers[name];
      if (value === undefined) continue;
      // A name cannot be rewritten (the caller's code looks headers up by it): one holding a value is dropped.
      if (clean.mask(nameReading(name), "response.headers", itself) !== undefined) {
        out ??= { ...headers };
        delete out[name];
        continue;
      }
      if (Array.isArray(value)) {
        let masked: string[] | undefined;
        for (let index = 0; index < value.length; index++) {
          const found = maskHeaderValue(clean, name, value[index]!);
          if (found !== undefined) (masked ??= [...value])[index] = found;
        }
        if (masked) (out ??= { ...headers })[name] = masked;
        continue;
      }
      const found = maskHeaderValue(clean, name, String(value));
      if (found !== undefined) (out ??= { ...headers })[name] = found;
    }
    return out ?? headers;
  }

  findings(): MaskFindingCount[] {
    return this.context.counter.list();
  }
}

/** provider: "openai" | "anthropic" | "generic"; path: the request path below the connection (e.g. /v1/chat/completions); request: its parsed JSON body, when it has one. */
export function createMaskSession(provider: string, path: string, rules: readonly MaskRule[], request?: unknown): MaskSession {
  return new Session(provider, path, createMaskContext(rules), asksBase64Vectors(request));
}
