// The one canonical request body the agent inspects and forwards: content-encoding undone, text
// decoded to UTF-8, JSON parsed strictly, and only the body types the connection's provider takes.
// Nothing here forwards a byte it did not decode: the canonical bytes (identity-encoded, UTF-8, no
// BOM) replace the caller's whenever decoding changed anything.
import type { IncomingHttpHeaders } from "node:http";
import { MIMEType } from "node:util";
import type { RequestBodyRules } from "../providers/index.js";
import { contentCodings, declaresTwoCharsets, decodeContent, decodeText, type DecodeFailure } from "./decode-body.js";
import { parseMultipart, writeMultipart, type MultipartBody } from "./multipart-body.js";
import { type JsonPiece, parseJsonText } from "./json-lines.js";
import { parseStrictJson } from "./strict-json.js";

/** How the body is read: JSON (strings inspected at any depth), JSON lines, text, a form, a multipart upload, opaque bytes, or nothing. */
export type BodyForm = "empty" | "json" | "jsonl" | "text" | "form" | "multipart" | "binary";

export interface CanonicalBody {
  form: BodyForm;
  /** What goes upstream when nothing is masked: the decoded bytes (UTF-8, no BOM) for text forms. */
  bytes: Buffer;
  /** The body as text (json, text, form). */
  text?: string;
  /** The parsed document (json). */
  json?: unknown;
  /** The documents, one per line, and the text between them (jsonl). */
  documents?: JsonPiece[];
  /** The parts (multipart). */
  multipart?: MultipartBody;
  /** The Content-Type to send upstream (absent: the caller's, unchanged). */
  contentType?: string;
}

export type CanonicalResult = { ok: true; body: CanonicalBody } | DecodeFailure;

const fail = (status: DecodeFailure["status"], code: string, message: string): DecodeFailure => ({ ok: false, status, code, message });
const firstNonSpace = /\S/;

/** What the body's reading takes from its Content-Type: the essence (lower case) and the charset parameter. */
export interface MediaType {
  essence: string;
  /** The charset parameter, undefined when absent. */
  charset: string | undefined;
}

// Parsed types by header value: callers send a few ("application/json" mostly), and MIMEType's
// parse was ~3 % of the request side's CPU. A MIMEType is made again only where one is needed
// whole (a multipart boundary, a charset rewritten); it is mutable, so none is shared.
const mediaTypes = new Map<string, MediaType | "invalid">();
const MEDIA_TYPES_KEPT = 64;

/** The parsed Content-Type `header` (undefined: none; "invalid": MIMEType cannot parse it). */
export function mediaType(header: string | undefined): MediaType | undefined | "invalid" {
  if (header === undefined || header.trim() === "") return undefined;
  let known = mediaTypes.get(header);
  if (known === undefined) {
    try {
      const type = new MIMEType(header);
      known = { essence: type.essence, charset: type.params.get("charset") ?? undefined };
    } catch {
      known = "invalid";
    }
    if (mediaTypes.size < MEDIA_TYPES_KEPT) mediaTypes.set(header, known);
  }
  return known;
}

const isJsonType = (essence: string) => essence === "application/json" || essence.endsWith("+json");
const isTextType = (essence: string) => essence.startsWith("text/") || essence === "application/xml" || essence.endsWith("+xml") || essence === "application/x-ndjson" || essence === "application/jsonl";

// Text whose first character opens a JSON document is read as JSON by lenient upstreams whatever it
// is labelled: it must be strict JSON (or, on a generic connection, strict JSON lines), and is
// inspected as such.
const looksLikeJson = (text: string) => {
  const first = firstNonSpace.exec(text)?.[0];
  return first === "{" || first === "[";
};

// Strict JSON; on a connection of unknown shape also JSON lines (NDJSON, JSONL), one document a line.
function asJson(text: string, bytes: Buffer, changed: boolean, contentType: string | undefined, lines: boolean): CanonicalResult {
  const canonical = changed ? Buffer.from(text, "utf8") : bytes;
  const parsed = parseStrictJson(text);
  if (parsed.ok) return { ok: true, body: { form: "json", text, json: parsed.value, bytes: canonical, contentType } };
  if (lines && parsed.code === "invalid_json") {
    const documents = parseJsonText(text);
    if (documents?.ok) return { ok: true, body: { form: "jsonl", text, documents: documents.pieces, bytes: canonical, contentType } };
    if (documents) return fail(400, documents.code, documents.message);
  }
  return fail(400, parsed.code, parsed.message);
}

// The declared type (`header`, parsed as `type`) with its charset now UTF-8 (the body was transcoded), or undefined when unchanged.
export function utf8Type(header: string | undefined, type: MediaType | undefined, changed: boolean): string | undefined {
  if (!type || !changed || type.charset === undefined) return undefined;
  const whole = new MIMEType(header!);
  whole.params.set("charset", "utf-8");
  return whole.toString();
}

/**
 * The Content-Type of a transcoded body made from `header` as it goes upstream (masked): its charset
 * now UTF-8, its other parameters as they are. A header that masking left unparsable is replaced by
 * the plain type of the body's form.
 */
export function relabelledUtf8(header: string, form: BodyForm): string {
  try {
    const whole = new MIMEType(header);
    whole.params.set("charset", "utf-8");
    return whole.toString();
  } catch {
    return `${form === "json" || form === "jsonl" ? "application/json" : form === "form" ? "application/x-www-form-urlencoded" : "text/plain"};charset=utf-8`;
  }
}

/** Decodes `raw` as the body of a request to `path` of an API taking `rules`; refuses what it cannot read. */
export async function canonicalBody(raw: Buffer, headers: IncomingHttpHeaders, path: string, rules: RequestBodyRules, limit: number): Promise<CanonicalResult> {
  const codings = contentCodings(headers["content-encoding"]);
  let bytes = raw;
  if (codings.length > 0) {
    const decoded = await decodeContent(raw, codings, limit);
    if (!decoded.ok) return decoded;
    bytes = decoded.body;
  }
  if (bytes.length === 0) return { ok: true, body: { form: "empty", bytes } };
  const header = headers["content-type"];
  const type = mediaType(header);
  if (type === "invalid") return fail(415, "invalid_content_type", "Request Content-Type cannot be parsed");
  if (type !== undefined && declaresTwoCharsets(header!)) return fail(415, "ambiguous_charset", "Request Content-Type declares two different charsets; parsers disagree on which one holds");
  const essence = type?.essence;
  if (essence === "multipart/form-data") {
    if (!rules.multipart?.test(path)) return fail(415, "unsupported_media_type", `${path || "/"} does not take multipart/form-data on this connection`);
    const parts = await parseMultipart(bytes, new MIMEType(header!), limit);
    if (!parts.ok) return parts;
    // Always re-written from the parts read: the upstream's multipart parser never sees the caller's framing.
    const written = writeMultipart(parts.body.parts);
    return { ok: true, body: { form: "multipart", bytes: written.bytes, contentType: written.contentType, multipart: parts.body } };
  }
  const textual = essence === undefined || isJsonType(essence) || (rules.anyType === true && (isTextType(essence) || essence === "application/x-www-form-urlencoded"));
  if (!textual) {
    if (rules.anyType) return { ok: true, body: { form: "binary", bytes } };
    return fail(415, "unsupported_media_type", `Content-Type ${essence} is not taken by this connection's provider (JSON only)`);
  }
  const decoded = decodeText(bytes, type?.charset);
  if (!decoded.ok) {
    // An unlabelled body of an API of unknown shape that is not text is opaque bytes.
    if (essence === undefined && rules.anyType && decoded.code === "invalid_utf8") return { ok: true, body: { form: "binary", bytes } };
    return decoded;
  }
  const { text, changed } = decoded;
  const contentType = utf8Type(header, type, changed);
  if (essence === undefined ? !rules.anyType || looksLikeJson(text) : isJsonType(essence) || looksLikeJson(text)) return asJson(text, bytes, changed, contentType, rules.anyType === true);
  const canonical = changed ? Buffer.from(text, "utf8") : bytes;
  return { ok: true, body: { form: essence === "application/x-www-form-urlencoded" ? "form" : "text", text, bytes: canonical, contentType } };
}
