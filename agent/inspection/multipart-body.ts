// multipart/form-data uploads (OpenAI files, audio, image edits): parsed whole with busboy, every
// part's bytes read as they are (no transfer encoding the upstream could decode differently), text
// parts decoded strictly and inspected, the others named as binary. What goes upstream is always
// the body re-written from these parts, never the caller's bytes.
import { randomBytes } from "node:crypto";
import type { MIMEType } from "node:util";
import { Busboy } from "@fastify/busboy";
import { decodeText, type DecodeFailure } from "./decode-body.js";

/** One part of an upload. */
export interface MultipartPart {
  name: string;
  filename?: string;
  /** The part's own Content-Type, if it had one. */
  contentType?: string;
  /** The text of a text part (form fields, text files): inspected; undefined for binary parts. */
  text?: string;
  /** The part's bytes (what is written back for a binary part). */
  data: Buffer;
}

export interface MultipartBody {
  parts: MultipartPart[];
}

const plainEncodings = new Set(["", "7bit", "8bit", "binary"]);
// Characters that do not occur in text files: NUL and the C0 controls other than tab, LF, FF, CR, ESC.
function hasBinaryCharacter(text: string): boolean {
  for (let index = 0; index < text.length; index++) {
    const code = text.charCodeAt(index);
    if (code < 32 && code !== 9 && code !== 10 && code !== 12 && code !== 13 && code !== 27) return true;
  }
  return false;
}

const fail = (status: DecodeFailure["status"], code: string, message: string): DecodeFailure => ({ ok: false, status, code, message });

function charsetOf(type: string | undefined): string | undefined {
  return /;\s*charset="?([^";\s]+)/i.exec(type ?? "")?.[1];
}

/** The parts of `bytes`, a multipart/form-data body of type `type`, or why it cannot be read. */
export function parseMultipart(bytes: Buffer, type: MIMEType, limit: number): Promise<{ ok: true; body: MultipartBody } | DecodeFailure> {
  return new Promise((resolve) => {
    const parts: MultipartPart[] = [];
    let failed: DecodeFailure | undefined;
    let pending = 0;
    let finished = false;
    const settle = () => {
      if (failed) return resolve(failed);
      if (finished && pending === 0) resolve({ ok: true, body: { parts } });
    };
    let parser: ReturnType<typeof Busboy>;
    try {
      parser = Busboy({
        headers: { "content-type": type.toString() },
        preservePath: true,
        isPartAFile: () => true, // every part's raw bytes, decoded here rather than leniently by busboy
        limits: { fieldNameSize: 4096, fileSize: limit, headerPairs: 64 },
      });
    } catch {
      return resolve(fail(400, "invalid_multipart", "Request body is not valid multipart/form-data (boundary missing)"));
    }
    parser.on("file", (name, stream, filename, transferEncoding, mimeType) => {
      pending++;
      const chunks: Buffer[] = [];
      stream.on("data", (chunk: Buffer) => chunks.push(chunk));
      stream.on("end", () => {
        pending--;
        const data = Buffer.concat(chunks);
        if (!plainEncodings.has((transferEncoding ?? "").toLowerCase())) {
          failed ??= fail(415, "unsupported_transfer_encoding", `Multipart part ${JSON.stringify(name)} has Content-Transfer-Encoding ${transferEncoding}`);
        } else if (stream.truncated) {
          failed ??= fail(413, "part_too_large", `Multipart part ${JSON.stringify(name)} is larger than ${limit} bytes`);
        } else {
          const part: MultipartPart = { name, data };
          if (filename !== undefined) part.filename = filename;
          if (mimeType) part.contentType = mimeType;
          const isFile = filename !== undefined;
          // A form field is text (strictly decoded or refused); a file is text when it decodes and holds no binary bytes.
          const decoded = decodeText(data, charsetOf(mimeType));
          if (decoded.ok && !(isFile && hasBinaryCharacter(decoded.text))) part.text = decoded.text;
          else if (!isFile) failed ??= decoded.ok ? fail(400, "invalid_multipart", `Multipart field ${JSON.stringify(name)} is not text`) : decoded;
          parts.push(part);
        }
        settle();
      });
    });
    parser.on("error", () => {
      failed ??= fail(400, "invalid_multipart", "Request body is not valid multipart/form-data");
      resolve(failed);
    });
    parser.on("finish", () => {
      finished = true;
      settle();
    });
    parser.end(bytes);
  });
}

const quote = (value: string) => value.replace(/"/g, "%22").replace(/\r/g, "%0D").replace(/\n/g, "%0A");

/** The body written from `parts` (text parts as their text in UTF-8), with the Content-Type naming its fresh boundary. */
export function writeMultipart(parts: readonly MultipartPart[]): { bytes: Buffer; contentType: string } {
  const boundary = `palisade-${randomBytes(16).toString("hex")}`;
  const chunks: Buffer[] = [];
  for (const part of parts) {
    let head = `--${boundary}\r\nContent-Disposition: form-data; name="${quote(part.name)}"`;
    if (part.filename !== undefined) head += `; filename="${quote(part.filename)}"`;
    head += "\r\n";
    const type = part.text !== undefined && part.contentType && charsetOf(part.contentType) ? part.contentType.replace(/charset="?[^";\s]+"?/i, "charset=utf-8") : part.contentType;
    if (type) head += `Content-Type: ${type.replace(/[\r\n]/g, "")}\r\n`;
    chunks.push(Buffer.from(`${head}\r\n`, "utf8"), part.text !== undefined ? Buffer.from(part.text, "utf8") : part.data, Buffer.from("\r\n"));
  }
  chunks.push(Buffer.from(`--${boundary}--\r\n`));
  return { bytes: Buffer.concat(chunks), contentType: `multipart/form-data; boundary=${boundary}` };
}
