// The response-side evasion corpus, whole bodies and streams in other clothes: content types that
// lie, charsets (UTF-16/32, UTF-7, Latin-1, BOMs, NULs and control characters between letters),
// content encodings, response headers, NDJSON and plain text. Part of REPLY_CASES (response-corpus.ts).
import { brotliCompressSync, deflateSync, gzipSync, zstdCompressSync } from "node:zlib";
import { anthropic, chat, responses, split, sse } from "./reply-builders.js";
import { caseList, EMAIL, text, type ReplyCase } from "./response-values.js";

const { cases, add } = caseList();

// Content types that lie, charsets, encodings, headers (whole).
/** A whole chat reply holding the e-mail address (also read by the binary cases). */
export const plainChat = JSON.stringify(chat.whole({ content: text(EMAIL) }));
add("chat", false, "content type", "JSON sent as application/octet-stream", plainChat, [EMAIL], { headers: { "content-type": "application/octet-stream" } });
add("chat", false, "content type", "JSON sent without a content type", plainChat, [EMAIL], { headers: {} });
add("chat", false, "content type", "JSON sent as text/html", plainChat, [EMAIL], { headers: { "content-type": "text/html" } });
add("chat", false, "content type", "JSON sent as image/png", plainChat, [EMAIL], { headers: { "content-type": "image/png" } });
add("chat", false, "charset", "JSON after a UTF-8 BOM", Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from(plainChat)]), [EMAIL]);
add("chat", false, "charset", "JSON in UTF-16LE with a BOM", Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(plainChat, "utf16le")]), [EMAIL], { headers: { "content-type": "application/json; charset=utf-16" } });
add("chat", false, "charset", "JSON with one invalid UTF-8 byte", Buffer.concat([Buffer.from(plainChat.slice(0, 40)), Buffer.from([0xff]), Buffer.from(plainChat.slice(40))]), [EMAIL], { refused: true });
add("chat", false, "charset", "JSON in Latin-1 (an é as one byte)", Buffer.from(JSON.stringify(chat.whole({ content: `café ${EMAIL}` })), "latin1"), [EMAIL], { headers: { "content-type": "application/json; charset=iso-8859-1" } });
add("chat", false, "charset", "JSON in Latin-1 without a label (not UTF-8: refused)", Buffer.from(JSON.stringify(chat.whole({ content: `café ${EMAIL}` })), "latin1"), [EMAIL], { refused: true });
// Other charsets, whole and streamed: ASCII in UTF-16 is valid UTF-8 with NULs between the letters
// (Python's json reads it by its NUL pattern whatever the label says). UTF-16 is read (by BOM, label
// or NUL pattern) and sent as UTF-8; UTF-32, UTF-7 and charsets the Encoding Standard does not know
// are refused; NULs and text made of control characters are refused.
const utf16be = (text: string) => Buffer.from(text, "utf16le").swap16();
const utf32 = (text: string, little: boolean) => {
  const points = [...text].map((char) => char.codePointAt(0) as number);
  const bytes = Buffer.alloc(points.length * 4);
  for (const [at, point] of points.entries()) {
    if (little) bytes.writeUInt32LE(point, at * 4);
    else bytes.writeUInt32BE(point, at * 4);
  }
  return bytes;
};
const withBom = (bom: number[], bytes: Buffer) => Buffer.concat([Buffer.from(bom), bytes]);
const anthropicText = JSON.stringify(anthropic.whole([{ type: "text", text: text(EMAIL) }]));
const charsetCases: [string, (text: string) => Buffer, Record<string, string>, boolean][] = [
  ["UTF-16LE without a BOM or a label", (value) => Buffer.from(value, "utf16le"), {}, false],
  ["UTF-16BE without a BOM or a label", utf16be, {}, false],
  ["UTF-16LE labelled charset=utf-16le", (value) => Buffer.from(value, "utf16le"), { charset: "utf-16le" }, false],
  ["UTF-16BE with a BOM, labelled utf-8", (value) => withBom([0xfe, 0xff], utf16be(value)), { charset: "utf-8" }, false],
  ["UTF-16LE labelled charset=UTF-16BE (the BOM-less bytes disagree)", (value) => Buffer.from(value, "utf16le"), { charset: "UTF-16BE", lies: "yes" }, false],
  ["UTF-32LE without a BOM", (value) => utf32(value, true), {}, true],
  ["UTF-32BE without a BOM", (value) => utf32(value, false), {}, true],
  ["UTF-32LE with a BOM", (value) => withBom([0xff, 0xfe, 0, 0], utf32(value, true)), {}, true],
  ["UTF-32 labelled charset=utf-32", (value) => utf32(value, true), { charset: "utf-32" }, true],
  ["UTF-7 labelled charset=utf-7", (value) => Buffer.from(value.replace("@", "+AEA-")), { charset: "utf-7" }, true],
  ["a charset no standard names (x-palisade)", (value) => Buffer.from(value), { charset: "x-palisade" }, true],
  ["two different charset parameters", (value) => Buffer.from(value), { charset: "utf-8; charset=utf-16le" }, true],
];
for (const [name, encode, label, refused] of charsetCases) {
  const type = (base: string) => ({ "content-type": label.charset ? `${base}; charset=${label.charset}` : base });
  const lies = label.lies !== undefined; // read as the label says: garbage, but nothing of the value either
  add("chat", false, "charset", `JSON in ${name}`, encode(plainChat), [EMAIL], { refused, headers: type("application/json"), marker: !lies });
  add("anthropic", false, "charset", `JSON in ${name}`, encode(anthropicText), [EMAIL], { refused, headers: type("application/json"), marker: !lies });
  add("chat", true, "charset", `an SSE stream in ${name}`, encode(chat.stream(split(text(EMAIL), 4).map((content) => ({ content })))), [EMAIL], { refused, headers: type("text/event-stream"), chunkBytes: 5, marker: !lies });
  add("responses", true, "charset", `an SSE stream in ${name}, labelled text/plain`, encode(responses.stream(responses.textEvents(split(text(EMAIL), 3)))), [EMAIL], { refused, headers: type("text/plain"), marker: !lies });
}
const nulEvery = (value: string) => [...value].join("\0");
add("chat", false, "charset", "a text body with NUL between the letters (UTF-8 labelled)", `mail ${nulEvery(EMAIL)}`, [EMAIL], { refused: true, headers: { "content-type": "text/plain; charset=utf-8" } });
add("chat", false, "charset", "a text body with a control character between the letters", `mail ${[...EMAIL].join("\x01")}`, [EMAIL], { refused: true, headers: { "content-type": "text/plain" } });
add("chat", true, "charset", "raw NUL bytes inside a delta's string", `${sse.data(chat.chunk({ content: "mail " }))}data: {"choices":[{"index":0,"delta":{"content":"${nulEvery(EMAIL)}"}}]}\n\n${sse.data("[DONE]")}`, [EMAIL], { refused: true });
add("chat", true, "charset", "non-JSON data of control characters between the letters", `${sse.data(chat.chunk({ content: "hi" }))}data: ${[...EMAIL].join("\x02")}\n\n${sse.data("[DONE]")}`, [EMAIL], { refused: true });
for (const [encoding, encode] of [["gzip", gzipSync], ["deflate", deflateSync], ["br", brotliCompressSync], ["zstd", zstdCompressSync]] as const) {
  add("chat", false, "encoding", `content-encoding ${encoding}`, encode(Buffer.from(plainChat)), [EMAIL], { headers: { "content-type": "application/json", "content-encoding": encoding } });
}
add("chat", false, "encoding", "gzip twice (content-encoding: gzip, gzip)", gzipSync(gzipSync(Buffer.from(plainChat))), [EMAIL], { headers: { "content-type": "application/json", "content-encoding": "gzip, gzip" } });
add("chat", false, "encoding", "an encoding the agent does not know", Buffer.from(plainChat), [EMAIL], { refused: true, headers: { "content-type": "application/json", "content-encoding": "compress" } });
add("chat", false, "encoding", "gzip declared, garbage sent", Buffer.concat([Buffer.from([0x1f, 0x8b, 8, 0]), Buffer.from(plainChat)]), [EMAIL], { refused: true, headers: { "content-type": "application/json", "content-encoding": "gzip" } });
add("chat", false, "headers", "a value in a response header", chat.whole({ content: "ok" }), [EMAIL], { headers: { "content-type": "application/json", "x-debug-user": EMAIL } });
add("chat", false, "ndjson", "NDJSON lines with a value split across lines", `${JSON.stringify({ message: { content: "zoe.quill@" } })}\n${JSON.stringify({ message: { content: "example.org" } })}\n`, [EMAIL], { headers: { "content-type": "application/x-ndjson" } });
// Lines of which some are JSON: a reader takes the lines it parses and skips the others; any line break splits them.
const ndjsonLine = (content: string) => JSON.stringify({ message: { content } });
const ndjson = { "content-type": "application/x-ndjson" };
add("chat", false, "ndjson", "NDJSON with a line that is not JSON", `${ndjsonLine("zoe.quill@")}\n${ndjsonLine("example.org")}\nnot json\n`, [EMAIL], { headers: ndjson });
add("chat", false, "ndjson", "NDJSON opening with a text line", `# export\n${ndjsonLine("zoe.quill@")}\n${ndjsonLine("example.org")}`, [EMAIL], { headers: ndjson });
add("chat", false, "ndjson", "NDJSON lines broken by a lone CR", `${ndjsonLine("zoe.quill@")}\r${ndjsonLine("example.org")}\r`, [EMAIL], { headers: ndjson });
add("chat", false, "ndjson", "NDJSON with CRLF and a truncated last line", `${ndjsonLine("zoe.quill@")}\r\n${ndjsonLine("example.org")}\r\n{"message":`, [EMAIL], { headers: ndjson });
add("chat", false, "ndjson", "a duplicate key in a line among text", `${ndjsonLine("ok")}\n{"message":{"content":"${EMAIL}","content":"ok"}}\nend`, [EMAIL], { headers: ndjson, marker: false });
add("chat", false, "ndjson", "a value split over text lines between JSON lines", `${ndjsonLine("a")}\nzoe.quill@\nexample.org\n${ndjsonLine("b")}`, [EMAIL], { headers: { "content-type": "text/plain" } });
add("chat", false, "text", "a plain-text body", `Contact ${EMAIL}`, [EMAIL], { headers: { "content-type": "text/plain" } });

/** The cases of this file, in order. */
export const ENCODING_CASES: readonly ReplyCase[] = cases;
