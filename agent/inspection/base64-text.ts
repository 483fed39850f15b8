// What a string holding base64 (plain, URL-safe, or a `data:` URL) carries: text a reader could
// read, which is inspected as that text and re-encoded when masked, or a binary payload (images,
// audio, PDF), which is named and not read. The reply masker's; the request side reads base64 more
// leniently still (encoded-text.ts).
import { isUtf8 } from "node:buffer";

const base64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;
const base64url = /^[A-Za-z0-9_-]+$/;
const dataUrl = /^data:([^,;]*)((?:;[^,;=]+=[^,;]*)*);base64,/i;
const MIN_BASE64 = 20;
const BINARY_FROM = 256; // a base64 string this long that is not text is a payload, not a token

/** A string read as base64: its text and how to write text back the same way, or a binary payload's kind. */
export type Base64Reading = { text: string; encode(text: string): string } | { binary: string };

// The text a base64 payload decodes to, when it is text a reader could read; else undefined.
function decodedText(payload: string, url: boolean): string | undefined {
  const bytes = Buffer.from(payload, url ? "base64url" : "base64");
  if (bytes.length === 0 || !isUtf8(bytes)) return undefined;
  const text = bytes.toString("utf8");
  for (let index = 0; index < text.length; index++) {
    const code = text.charCodeAt(index);
    if (code < 32 && code !== 9 && code !== 10 && code !== 13) return undefined;
  }
  return text;
}

/** What `value` carries as base64; undefined when it is not base64 (or too short to be more than a word). */
export function readBase64(value: string): Base64Reading | undefined {
  if (value.length < MIN_BASE64 || !(value.startsWith("data:") || base64.test(value) || base64url.test(value))) return undefined;
  const url = dataUrl.exec(value);
  const payload = url ? value.slice(url[0].length) : value;
  const urlSafe = !url && !base64.test(value);
  if (!url && urlSafe && value.length % 4 === 1) return undefined;
  const text = decodedText(payload, urlSafe);
  if (text !== undefined) {
    const prefix = url ? url[0] : "";
    return { text, encode: (masked) => prefix + Buffer.from(masked, "utf8").toString(urlSafe ? "base64url" : "base64") };
  }
  if (url || value.length >= BINARY_FROM) return { binary: url ? `data URL ${url[1] || "application/octet-stream"}` : "base64 payload" };
  return undefined;
}

/** The bytes a base64 string (plain, URL-safe, or a `data:` URL) decodes to. */
export function base64Bytes(value: string): Buffer {
  const url = dataUrl.exec(value);
  return Buffer.from(url ? value.slice(url[0].length) : value, "base64");
}
