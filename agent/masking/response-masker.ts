// Masks a whole (non-streamed) reply by what it is, not by what its content type claims: the body
// must be UTF-8 without NULs (else it cannot be inspected, unless it is a media file); a JSON
// document, or NDJSON lines, is masked field by field whatever the fields are called
// (document-masker.ts) and re-serialised — except one document
// that masking left unchanged and that every JSON parser reads as JSON.parse did (no duplicate key,
// no lone surrogate, no BOM: readsAsWritten), which goes as it came, its bytes untouched; a body
// with SSE fields (or labelled text/event-stream) is masked as a stream; anything else as one text.
import { maskJsonDocuments } from "./document-masker.js";
import { looksLikeJson, parseJsonBodyExact } from "./json-body.js";
import type { ReplyMasker } from "./mask-context.js";
import type { MaskedBody } from "../../core/detectors/mask-types.js";
import type { ResponseStream } from "./response-stream.js";
import { binaryPart, mediaKind } from "./binary-parts.js";
import { checkText, strictUtf8, UninspectableReply } from "./uninspectable.js";
import { readsAsWritten } from "../inspection/strict-json.js";

/** The caller's and the record's body; `parsed`: the one JSON document both are, as its text and JSON.parse's value (readers reuse it). */
export type MaskedReply = MaskedBody & { parsed?: { text: string; value: unknown } };

const unchanged = (body: Buffer): MaskedBody => ({ client: body, record: body });
const isEventStream = (contentType: string) => /^\s*text\/event-stream/i.test(contentType);
const sseField = /^(?:data|event|id|retry)(?::|$)/m;

/** The JSON documents of `text`: one (any JSON value: a bare string or number stays JSON), or one per non-blank line (NDJSON); undefined when it is neither. */
function documentsOf(text: string): { documents: unknown[]; plain: boolean } | undefined {
  const whole = parseJsonBodyExact(text);
  if (whole.value !== undefined) return { documents: [whole.value], plain: whole.plain };
  if (!looksLikeJson(text)) return undefined;
  const lines = text.split(/\r?\n/).filter((line) => line.trim() !== "");
  if (lines.length < 2) return undefined;
  const documents: unknown[] = [];
  for (const line of lines) {
    const value = parseJsonBodyExact(line).value;
    if (value === undefined) return undefined;
    documents.push(value);
  }
  return { documents, plain: false };
}

const hasBom = (body: Buffer) => body[0] === 0xef && body[1] === 0xbb && body[2] === 0xbf;

/** Plays a whole SSE body through a stream masker. */
function maskAsStream(body: Buffer, stream: ResponseStream): MaskedBody {
  const head = stream.push(body);
  const tail = stream.end();
  return { client: Buffer.concat([head.client, tail.client]), record: Buffer.concat([head.record, tail.record]) };
}

/** The caller's and the record's body; throws UninspectableReply when the body is not UTF-8. */
export function maskResponseBody(body: Buffer, contentType: string, masker: ReplyMasker, stream: () => ResponseStream): MaskedReply {
  let text: string;
  try {
    text = strictUtf8(body);
    if (body.indexOf(0) !== -1) throw new UninspectableReply("the body holds NUL bytes (text in another charset, or binary data)");
  } catch (error) {
    // A media file (its signature says so) is a binary part: it passes if every rule allows them.
    const kind = error instanceof UninspectableReply ? mediaKind(body) : undefined;
    if (kind === undefined) throw error;
    binaryPart(masker, kind, "response.body");
    return unchanged(body);
  }
  if (text.trim() === "") return unchanged(body);
  const read = documentsOf(text);
  if (read) {
    const { documents } = read;
    const changed = maskJsonDocuments(documents, masker);
    if (!changed && documents.length === 1 && !hasBom(body) && readsAsWritten(text, documents[0])) {
      // What was inspected is what the bytes say: they go as they came (and the readers after reuse the parse).
      return { client: body, record: body, parsed: read.plain ? { text, value: documents[0] } : undefined };
    }
    const masked = changed ?? documents.map((document) => {
      const json = JSON.stringify(document);
      return { client: json, record: json };
    });
    const ending = documents.length > 1 && /\n\s*$/.test(text) ? "\n" : "";
    const client = masked.map((document) => document.client).join("\n") + ending;
    const record = masked.map((document) => document.record).join("\n") + ending;
    return { client: Buffer.from(client, "utf8"), record: client === record ? Buffer.from(client, "utf8") : Buffer.from(record, "utf8") };
  }
  if (isEventStream(contentType) || sseField.test(text)) return maskAsStream(body, stream());
  checkText(text);
  const masked = masker.mask(text, "response.body");
  if (masked.client === text && masked.record === text) return unchanged(body);
  return { client: Buffer.from(masked.client, "utf8"), record: Buffer.from(masked.record, "utf8") };
}
