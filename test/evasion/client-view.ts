// What a caller can read out of a reply, however it reads it, for the evasion suites: the bytes as
// text (decompressed as an HTTP client would), every JSON document in them (a whole body, lines of
// NDJSON, the data of every server-sent event, JSON inside strings), and from those every string,
// key, number and byte array, each on its own and joined the ways a client joins pieces (all strings
// at one path across events and array elements, the first alternative of each logprob). Written
// independently of the agent's masking code: a leak is a value found in any of these views.
import { decodeHTML } from "entities";
import { brotliDecompressSync, gunzipSync, inflateRawSync, inflateSync, zstdDecompressSync } from "node:zlib";

type Json = unknown;

function decompress(body: Buffer, encoding: string): Buffer {
  let out = body;
  for (const coding of encoding.split(",").map((part) => part.trim().toLowerCase()).filter(Boolean).reverse()) {
    try {
      if (coding === "gzip" || coding === "x-gzip") out = gunzipSync(out);
      else if (coding === "deflate") out = out[0] === 0x78 ? inflateSync(out) : inflateRawSync(out);
      else if (coding === "br") out = brotliDecompressSync(out);
      else if (coding === "zstd") out = zstdDecompressSync(out);
    } catch {
      return out; // a client would fail here; what it has is the bytes
    }
  }
  return out;
}

/** UTF-32 (little or big endian) read leniently, as Python's json does for bytes with that NUL pattern. */
function utf32(body: Buffer, little: boolean): string {
  let out = "";
  for (let at = 0; at + 4 <= body.length; at += 4) {
    const point = little ? body.readUInt32LE(at) : body.readUInt32BE(at);
    out += point <= 0x10ffff ? String.fromCodePoint(point) : "\uFFFD";
  }
  return out;
}

/** The texts a client may decode the bytes to: UTF-8 (lossy), Latin-1, and UTF-16 and UTF-32 either way round (BOM or not). */
function texts(body: Buffer): string[] {
  const out = [body.toString("utf8"), body.toString("latin1"), body.toString("utf16le")];
  if (body.length > 1) out.push(Buffer.from(body.subarray(0, body.length & ~1)).swap16().toString("utf16le"));
  if (body.length > 3) out.push(utf32(body, true), utf32(body, false));
  return out;
}

function parseJson(text: string): Json | undefined {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

/** Server-sent events as a WHATWG parser reads them: each event's data (and every other line's text). */
function sseData(text: string): { data: string[]; lines: string[] } {
  const data: string[] = [];
  const lines: string[] = [];
  let current: string[] = [];
  for (const line of text.replace(/^\uFEFF/, "").split(/\r\n|\r|\n/)) {
    if (line === "") {
      if (current.length > 0) data.push(current.join("\n"));
      current = [];
      continue;
    }
    const colon = line.indexOf(":");
    const field = colon === -1 ? line : line.slice(0, colon);
    let value = colon === -1 ? "" : line.slice(colon + 1);
    if (value.startsWith(" ")) value = value.slice(1);
    if (field === "data") current.push(value);
    else lines.push(line);
  }
  if (current.length > 0) data.push(current.join("\n"));
  return { data, lines };
}

/** Every JSON document a client may find in `text`. */
function documents(text: string): Json[] {
  const found: Json[] = [];
  const whole = parseJson(text.replace(/^\uFEFF/, ""));
  if (whole !== undefined) found.push(whole);
  for (const line of text.split(/\r\n|\r|\n/)) {
    const value = parseJson(line.startsWith("\u001e") ? line.slice(1) : line); // a JSON text sequence's record separator (RFC 7464)
    if (value !== undefined && typeof value === "object") found.push(value);
  }
  for (const data of sseData(text).data) {
    const value = parseJson(data);
    if (value !== undefined) found.push(value);
  }
  return found;
}

// Base64 (plain, URL-safe, or a data: URL) a client may decode, as the text it decodes to.
function base64Text(value: string): string | undefined {
  const payload = value.replace(/^data:[^,]*;base64,/i, "");
  if (payload.length < 8 || !/^[A-Za-z0-9+/_-]+=*$/.test(payload)) return undefined;
  const bytes = Buffer.from(payload, /[-_]/.test(payload) ? "base64url" : "base64");
  const text = bytes.toString("utf8");
  return text.includes("\uFFFD") ? undefined : text;
}

const unescapeLiteral = (text: string) =>
  text.replace(/\\u([0-9a-fA-F]{4})/g, (_, hex: string) => String.fromCharCode(Number.parseInt(hex, 16))).replace(/\\(["\\/])/g, "$1");

/** Collects the views of JSON documents: strings, keys, numbers, byte arrays, and joins by path. */
function collect(roots: Json[], views: string[]): void {
  const byPath = new Map<string, string[]>();
  const byLastIndex = new Map<string, string[]>();
  const all: string[] = [];
  const add = (map: Map<string, string[]>, key: string, text: string) => {
    const list = map.get(key);
    if (list) list.push(text);
    else map.set(key, [text]);
  };
  const walk = (value: Json, path: string[], depth: number): void => {
    if (depth > 200) return;
    if (typeof value === "string") {
      views.push(value, unescapeLiteral(value));
      const decoded = base64Text(value);
      if (decoded !== undefined) views.push(decoded);
      all.push(value);
      const pattern = path.map((segment) => (segment.startsWith("[") ? "[*]" : segment)).join("");
      add(byPath, pattern, value);
      const lastArray = path.findLastIndex((segment) => segment.startsWith("["));
      add(byLastIndex, path.map((segment, index) => (segment.startsWith("[") && index !== lastArray ? "[*]" : segment)).join(""), value);
      const inner = /^\s*[[{]/.test(value) ? parseJson(value) : undefined;
      if (inner !== undefined) walk(inner, [...path, "(json)"], depth + 1);
      return;
    }
    if (typeof value === "number") return void views.push(String(value));
    if (Array.isArray(value)) {
      if (value.length > 0 && value.every((item) => Number.isInteger(item) && item >= 0 && item <= 255)) {
        views.push(Buffer.from(value as number[]).toString("utf8"));
      }
      for (const [index, item] of value.entries()) walk(item, [...path, `[${index}]`], depth + 1);
      return;
    }
    if (typeof value === "object" && value !== null) {
      for (const [key, item] of Object.entries(value)) {
        views.push(key);
        walk(item, [...path, `.${key}`], depth + 1);
      }
    }
  };
  for (const root of roots) walk(root, [], 0);
  for (const list of byPath.values()) views.push(list.join(""));
  for (const list of byLastIndex.values()) views.push(list.join(""));
  views.push(all.join(""));
}

/** Everything a client could read out of a reply with these headers and bytes. */
export function clientViews(headers: Record<string, string | string[] | undefined>, body: Buffer): string[] {
  const views: string[] = [];
  for (const [name, value] of Object.entries(headers)) views.push(`${name}: ${String(value)}`);
  const decoded = decompress(body, String(headers["content-encoding"] ?? ""));
  for (const text of texts(decoded)) {
    views.push(text, unescapeLiteral(text));
    const sse = sseData(text);
    views.push(sse.data.join(""), ...sse.lines);
    collect(documents(text), views);
  }
  // Hex digits spelling text (`7a6f652e…`), as a reader decodes a run of them.
  for (const view of views.splice(0)) {
    views.push(view);
    for (const run of view.match(/(?:[0-9a-fA-F]{2}){8,}/g) ?? []) views.push(Buffer.from(run, "hex").toString("latin1"));
  }
  return views;
}

// How a reader recognises a value, written apart from the agent's views: tag characters as the
// ASCII they spell, a run of variation selectors as the bytes it smuggles, HTML character
// references decoded, letters and digits NFKC leaves alone as what they look like (negative
// squared and circled letters, regional indicators, small capitals, dingbat digits), `。` as a
// dot; then NFKC (full-width, other-script digits), invisible and control characters out,
// the escapes a reader decodes (percent, `\x40`, `\u{40}`, `\U00000040`, octal `\100`, CSS `\40 `, Python `\N{COMMERCIAL AT}`), markup a renderer hides, case and
// separators ignored.
const smallCapitals: Record<string, string> = { ᴀ: "a", ʙ: "b", ᴄ: "c", ᴅ: "d", ᴇ: "e", ꜰ: "f", ɢ: "g", ʜ: "h", ɪ: "i", ᴊ: "j", ᴋ: "k", ʟ: "l", ᴍ: "m", ɴ: "n", ᴏ: "o", ᴘ: "p", ʀ: "r", ꜱ: "s", ᴛ: "t", ᴜ: "u", ᴠ: "v", ᴡ: "w", ʏ: "y", ᴢ: "z" };
const letterAt = (first: number) => (char: string) => String.fromCharCode(0x61 + char.codePointAt(0)! - first);
const digitAt = (first: number) => (char: string) => String(char.codePointAt(0)! - first + 1);
function readerText(text: string): string {
  const smuggled = text.replace(/(?:[\uFE00-\uFE0F\u{E0100}-\u{E01EF}]){2,}/gu, (run) => Buffer.from([...run].map((char) => { const code = char.codePointAt(0)!; return code <= 0xfe0f ? code - 0xfe00 : code - 0xe0100 + 16; })).toString("utf8"));
  return decodeHTML(smuggled)
    .replace(/[\u{E0020}-\u{E007E}]/gu, (char) => String.fromCharCode(char.codePointAt(0)! - 0xe0000))
    .replace(/[\u{1F150}-\u{1F169}]/gu, letterAt(0x1f150)).replace(/[\u{1F170}-\u{1F189}]/gu, letterAt(0x1f170)).replace(/[\u{1F1E6}-\u{1F1FF}]/gu, letterAt(0x1f1e6))
    .replace(/[\u2776-\u277F]/g, digitAt(0x2776)).replace(/[\u2780-\u2789]/g, digitAt(0x2780)).replace(/[\u278A-\u2793]/g, digitAt(0x278a)).replace(/[\u24F5-\u24FE]/g, digitAt(0x24f5)).replace(/\u24FF/g, "0")
    .replace(/[ᴀʙᴄᴅᴇꜰɢʜɪᴊᴋʟᴍɴᴏᴘʀꜱᴛᴜᴠᴡʏᴢ]/gu, (char) => smallCapitals[char]!).replace(/[\u3002\uFF61]/g, ".");
}
const invisible = /[\p{Default_Ignorable_Code_Point}\p{Cc}\p{Cf}\p{Co}\p{Cn}\uFFFC\uFFFD]/gu;
const code = (hex: string, radix = 16) => {
  const point = Number.parseInt(hex, radix);
  return point > 0 && point <= 0x10ffff ? String.fromCodePoint(point) : "";
};
// Python's \N{…} names of printable ASCII (and their FULLWIDTH forms), as Python reads them: any case.
const namedAscii: Record<string, string> = { "COMMERCIAL AT": "@", "FULL STOP": ".", "HYPHEN-MINUS": "-", "SPACE": " ", "LOW LINE": "_", "PLUS SIGN": "+" };
function characterName(name: string): string | undefined {
  const upper = name.toUpperCase().replace(/^FULLWIDTH /, "");
  const letter = /^LATIN (SMALL|CAPITAL) LETTER ([A-Z])$/.exec(upper);
  if (letter) return letter[1] === "SMALL" ? letter[2]!.toLowerCase() : letter[2];
  const digit = /^DIGIT (ZERO|ONE|TWO|THREE|FOUR|FIVE|SIX|SEVEN|EIGHT|NINE)$/.exec(upper);
  if (digit) return String("ZERO ONE TWO THREE FOUR FIVE SIX SEVEN EIGHT NINE".split(" ").indexOf(digit[1]!));
  return namedAscii[upper];
}
const escapesDecoded = (text: string) =>
  text
    .replace(/&#[xX]([0-9a-fA-F]{1,6});?|&#([0-9]{1,7});?|\\u\{([0-9a-fA-F]{1,6})\}|\\x([0-9a-fA-F]{2})/g, (_, hexRef?: string, decimal?: string, braced?: string, byte?: string) =>
      decimal !== undefined ? code(decimal, 10) : code((hexRef ?? braced ?? byte) as string))
    .replace(/%([0-9a-fA-F]{2})/g, (_, hex: string) => String.fromCharCode(Number.parseInt(hex, 16)))
    .replace(/\\U([0-9a-fA-F]{8})/g, (_, hex: string) => code(hex))
    .replace(/\\([0-3][0-7]{2})/g, (_, octal: string) => code(octal, 8))
    .replace(/\\([0-9a-fA-F]{1,6})[ \t\n]?/g, (_, hex: string) => code(hex))
    .replace(/\\N\{([A-Za-z -]+)\}/g, (whole, name: string) => characterName(name) ?? whole);
// Markup a browser or a chat UI renders as nothing: HTML comments and tags (a placeholder such as
// <EMAIL_1> is no tag), a CDATA section's delimiters (an XML reader shows its content), markdown's * and `.
const unrendered = (text: string) => text.replace(/<!--[\s\S]*?-->|<!\[CDATA\[|\]\]>|<\/?[A-Za-z][A-Za-z0-9-]*(?:\s[^<>]*)?\/?>|[*`]/g, "");
const folded = (text: string) => escapesDecoded(unrendered(readerText(text)).normalize("NFKC").replace(invisible, "")).toLowerCase().replace(/[\s\u00a0().\-/\u2010-\u2015\u2212]/g, "");

/** The values of `secrets` some view contains (exactly, or ignoring case and separators). */
export function leakedValues(views: readonly string[], secrets: readonly string[]): string[] {
  const loose = views.map(folded);
  return secrets.filter((secret) => views.some((view) => view.includes(secret)) || loose.some((view) => view.includes(folded(secret))));
}
