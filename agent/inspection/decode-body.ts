// Turns the bytes a caller sent into the one text the agent inspects and forwards: content-encoding
// removed (gzip, deflate, br, zstd, stacked; anything else refused), the decoded size bounded like
// the sent size (a zip bomb stops at the limit), then the declared charset decoded strictly into
// UTF-8 (a BOM dropped, an invalid byte refused). Whatever fails here is never forwarded.
import { isUtf8 } from "node:buffer";
import { promisify } from "node:util";
import zlib from "node:zlib";

/** Why a body could not be decoded; `code` is the reason code callers and records see. */
export interface DecodeFailure {
  ok: false;
  status: 400 | 413 | 415;
  code: string;
  message: string;
}

type Decoder = (input: Buffer, options: { maxOutputLength: number }) => Promise<Buffer>;

const decoders: Record<string, Decoder> = {
  gzip: promisify(zlib.gunzip),
  "x-gzip": promisify(zlib.gunzip),
  deflate: promisify(zlib.inflate),
  br: promisify(zlib.brotliDecompress),
  zstd: promisify(zlib.zstdDecompress) as Decoder,
};

/** The coding names of a Content-Encoding header, in the order they were applied ("identity" dropped). */
export function contentCodings(header: string | string[] | undefined): string[] {
  if (header === undefined) return []; // most bodies
  const value = Array.isArray(header) ? header.join(",") : (header ?? "");
  return value.split(",").map((coding) => coding.trim().toLowerCase()).filter((coding) => coding !== "" && coding !== "identity");
}

const failure = (status: DecodeFailure["status"], code: string, message: string): DecodeFailure => ({ ok: false, status, code, message });

/**
 * The body with every content coding undone (last applied, first undone), never larger than
 * `limit` bytes at any step. Runs on the thread pool (zlib's async API), not the event loop.
 */
export async function decodeContent(body: Buffer, codings: readonly string[], limit: number): Promise<{ ok: true; body: Buffer } | DecodeFailure> {
  let bytes = body;
  for (let index = codings.length - 1; index >= 0; index--) {
    const coding = codings[index]!;
    const decode = decoders[coding];
    if (!decode) return failure(415, "unsupported_content_encoding", `Content-Encoding ${JSON.stringify(coding)} is not supported by Palisade (gzip, deflate, br, zstd)`);
    try {
      bytes = await decode(bytes, { maxOutputLength: limit });
    } catch (error) {
      if ((error as { code?: string }).code === "ERR_BUFFER_TOO_LARGE") {
        return failure(413, "decoded_body_too_large", `Request body decoded from ${coding} is larger than ${limit} bytes`);
      }
      return failure(400, "invalid_content_encoding", `Request body is not valid ${coding} data`);
    }
  }
  return { ok: true, body: bytes };
}

const utf8Names = new Set(["utf-8", "utf8", "unicode-1-1-utf-8"]);
const charsetParams = /;\s*charset\s*=\s*(?:"([^"]*)"|([^";\s]*))/gi;

/**
 * Whether a Content-Type declares two different charsets (`text/plain; charset=utf-8;
 * charset=utf-16le`): the agent reads the first (MIMEType), parsers that keep parameters in a map
 * (Python's cgi, many frameworks) the last, so the upstream could read other text than was inspected.
 */
export function declaresTwoCharsets(header: string): boolean {
  if (!header.includes(";")) return false; // no parameter (most requests)
  let found: string | undefined;
  for (const match of header.matchAll(charsetParams)) {
    const name = (match[1] ?? match[2] ?? "").trim().toLowerCase();
    if (found !== undefined && found !== name) return true;
    found = name;
  }
  return false;
}

/**
 * The body as text: UTF-8 unless `charset` names another encoding TextDecoder knows (decoded, not
 * passed on raw); a leading BOM is dropped; an invalid byte sequence is refused.
 */
export function decodeText(body: Buffer, charset: string | undefined): { ok: true; text: string; changed: boolean } | DecodeFailure {
  const name = charset?.trim().toLowerCase();
  if (name === undefined || name === "" || utf8Names.has(name)) {
    // Checked natively (isUtf8 refuses overlongs, surrogates and truncated sequences), not with a
    // fatal TextDecoder, which showed in profiles.
    if (!isUtf8(body)) return failure(400, "invalid_utf8", "Request body is not valid UTF-8");
    const bom = body[0] === 0xef && body[1] === 0xbb && body[2] === 0xbf;
    return { ok: true, text: body.toString("utf8", bom ? 3 : 0), changed: bom };
  }
  let decoder: TextDecoder;
  try {
    decoder = new TextDecoder(name, { fatal: true });
  } catch {
    return failure(415, "unsupported_charset", `Request body charset ${JSON.stringify(charset)} is not supported by Palisade`);
  }
  try {
    return { ok: true, text: decoder.decode(body), changed: true };
  } catch {
    return failure(400, "invalid_charset_data", `Request body is not valid ${decoder.encoding}`);
  }
}
