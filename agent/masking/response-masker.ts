// Masks a whole (non-streamed) reply by what it is, not by what its content type claims: the body
// must be UTF-8 without NULs (else it cannot be inspected, unless it is a media file); a JSON
// document is masked field by field whatever the fields are called (document-masker.ts) and
// re-serialised — except one document
// that masking left unchanged and that every JSON parser reads as JSON.parse did (no duplicate key,
// no lone surrogate, no BOM: readsAsWritten), which goes as it came, its bytes untouched; a body
// with SSE fields (or labelled text/event-stream) is masked as a stream; lines of which one or more
// is a JSON object or array (NDJSON, with or without other lines among them, whatever breaks them)
// as lines; anything else as one text.
import { maskJsonDocuments } from "./document-masker.js";
import { looksLikeJson, parseJsonBodyExact } from "./json-body.js";
import type { ReplyMasker } from "./mask-context.js";
import type { MaskedBody } from "../../core/detectors/mask-types.js";
import type { TwoTexts } from "./replacer.js";
import type { ResponseStream } from "./response-stream.js";
import { createBase64Watch } from "./base64-watch.js";
import { binaryPart, mediaKind } from "./binary-parts.js";
import { checkText, PROTOTYPE_KEY, strictUtf8, UninspectableReply } from "./uninspectable.js";
import { readsAsWritten } from "./reads-as-written.js";
import type { CleanCache } from "./value-masker.js";

/** The caller's and the record's body; `parsed`: the one JSON document both are, as its text and JSON.parse's value (readers reuse it). */
export type MaskedReply = MaskedBody & { parsed?: { text: string; value: unknown } };

const unchanged = (body: Buffer): MaskedBody => ({ client: body, record: body });
const isEventStream = (contentType: string) => /^\s*text\/event-stream/i.test(contentType);
const sseField = /^(?:data|event|id|retry)(?::|$)/m;

/** The body as one JSON document (any JSON value: a bare string or number stays JSON); undefined when it is not one. */
function documentOf(text: string): { documents: unknown[]; plain: boolean } | undefined {
  const whole = parseJsonBodyExact(text);
  if (whole.prototypeKey) throw new UninspectableReply(PROTOTYPE_KEY);
  return whole.value === undefined ? undefined : { documents: [whole.value], plain: whole.plain };
}

/** One line of a body read as lines: a JSON object or array (`rs`: after a record separator), or text. */
type Line = { json: unknown; rs: boolean } | { text: string };

// RFC 7464 JSON text sequences (application/json-seq) open each record with a record separator.
const RS = 0x1e;

// A line break as readers split lines: "\r\n", "\n" or a lone "\r" (Python's splitlines, many NDJSON readers).
const lineBreak = /(\r\n|\r|\n)/;

/**
 * The body as lines (NDJSON, JSON lines with other lines between them): undefined unless it has two
 * non-blank lines or more and one of them is a JSON object or array. A reader of such a body takes
 * the lines it can parse and skips the others (or reads them as text), so one line that is not JSON
 * must not turn the whole body into text whose JSON lines are then read only one by one.
 */
function linesOf(text: string): { parts: string[]; lines: Map<number, Line> } | undefined {
  const parts = text.split(lineBreak); // lines at even indexes, their breaks at odd ones
  const lines = new Map<number, Line>();
  let json = 0;
  for (let index = 0; index < parts.length; index += 2) {
    const line = parts[index] as string;
    if (line.trim() === "") continue;
    const rs = line.charCodeAt(0) === RS;
    const record = rs ? line.slice(1) : line;
    const parsed = looksLikeJson(record) ? parseJsonBodyExact(record) : undefined;
    if (parsed?.prototypeKey) throw new UninspectableReply(PROTOTYPE_KEY);
    const value = parsed?.value;
    if (typeof value === "object" && value !== null) {
      lines.set(index, { json: value, rs });
      json++;
    } else lines.set(index, { text: line });
  }
  return json > 0 && lines.size > 1 ? { parts, lines } : undefined;
}

/** A body read as lines, masked: JSON lines as documents (fields of one path joined across lines) and always re-serialised (what was parsed, no duplicate key), the other lines as text (joined with each other); breaks kept. */
function maskLines(read: { parts: string[]; lines: Map<number, Line> }, masker: ReplyMasker): MaskedBody {
  const indexes = [...read.lines.keys()];
  const documents = indexes.map((index) => {
    const line = read.lines.get(index) as Line;
    if ("text" in line) checkText(line.text);
    return "json" in line ? line.json : line.text;
  });
  const masked = maskJsonDocuments(documents, masker) ?? documents.map((document) => {
    const json = JSON.stringify(document);
    return { client: json, record: json };
  });
  const client = [...read.parts];
  const record = [...read.parts];
  for (const [at, index] of indexes.entries()) {
    const out = masked[at] as TwoTexts;
    const line = read.lines.get(index) as Line;
    const text = "text" in line;
    const rs = !text && line.rs ? "\u001e" : "";
    // A text line was read as a JSON string: it goes back as the text it now is.
    client[index] = text ? (JSON.parse(out.client) as string) : rs + out.client;
    record[index] = text ? (JSON.parse(out.record) as string) : rs + out.record;
  }
  return { client: Buffer.from(client.join(""), "utf8"), record: Buffer.from(record.join(""), "utf8") };
}

const isJsonSpace = (code: number) => code === 0x20 || code === 0x09 || code === 0x0a || code === 0x0d;

/** The JSON whitespace before (after a BOM) and after the one document of `text` (scanned from each end: no regex backtracking over long runs). */
function around(text: string): [string, string] {
  let start = text.charCodeAt(0) === 0xfeff ? 1 : 0;
  const from = start;
  while (start < text.length && isJsonSpace(text.charCodeAt(start))) start++;
  let end = text.length;
  while (end > start && isJsonSpace(text.charCodeAt(end - 1))) end--;
  return [text.slice(from, start), text.slice(end)];
}

const hasBom = (body: Buffer) => body[0] === 0xef && body[1] === 0xbb && body[2] === 0xbf;

/** Plays a whole SSE body through a stream masker. */
function maskAsStream(body: Buffer, stream: ResponseStream): MaskedBody {
  const head = stream.push(body);
  const tail = stream.end();
  return { client: Buffer.concat([head.client, tail.client]), record: Buffer.concat([head.record, tail.record]) };
}

/** The caller's and the record's body; throws UninspectableReply when the body is not UTF-8. `vectors`: the request asked for base64 embeddings (embedding-vectors.ts). */
export function maskResponseBody(body: Buffer, contentType: string, masker: ReplyMasker, stream: () => ResponseStream, clean?: CleanCache, vectors = false): MaskedReply {
  let text: string;
  try {
    text = strictUtf8(body);
    if (body.indexOf(0) !== -1) throw new UninspectableReply("the body holds NUL bytes (text in another charset, or binary data)");
  } catch (error) {
    // A media file (its signature says so) is a binary part: it passes if every rule allows them.
    const kind = error instanceof UninspectableReply ? mediaKind(body) : undefined;
    if (kind === undefined) throw error;
    binaryPart(masker, kind, "response.body", body);
    return unchanged(body);
  }
  if (text.trim() === "") return unchanged(body);
  const read = documentOf(text);
  if (read) {
    const document = read.documents[0];
    const held = { keys: 0 };
    const changed = maskJsonDocuments(read.documents, masker, true, held, clean, vectors);
    if (!changed && !hasBom(body) && readsAsWritten(text, document, held.keys)) {
      // What was inspected is what the bytes say: they go as they came (and the readers after reuse the parse).
      return { client: body, record: body, parsed: read.plain ? { text, value: document } : undefined };
    }
    const json = changed?.[0] ?? { client: JSON.stringify(document), record: JSON.stringify(document) };
    // The whitespace around the document (a reply's closing line break) stays as written; a BOM does not.
    const [before, after] = around(text);
    const client = before + json.client + after;
    return { client: Buffer.from(client, "utf8"), record: json.client === json.record ? Buffer.from(client, "utf8") : Buffer.from(before + json.record + after, "utf8") };
  }
  if (isEventStream(contentType) || sseField.test(text)) return maskAsStream(body, stream());
  const lines = linesOf(text);
  if (lines) return maskLines(lines, masker);
  checkText(text);
  // Base64 runs in it are read as JSON strings' are (a value in one refuses the reply; a payload of bytes is a binary part).
  const watch = createBase64Watch(masker, "response.body");
  watch.push(text);
  watch.end();
  const masked = masker.mask(text, "response.body");
  if (masked.client === text && masked.record === text) return unchanged(body);
  return { client: Buffer.from(masked.client, "utf8"), record: Buffer.from(masked.record, "utf8") };
}
