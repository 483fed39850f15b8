// The canonical body: every decoding step and every refusal, on bytes as a caller would send them.
import { brotliCompressSync, deflateRawSync, deflateSync, gzipSync, zstdCompressSync } from "node:zlib";
import { describe, expect, it } from "vitest";
import { anthropic } from "../providers/anthropic.js";
import { generic } from "../providers/generic.js";
import { openai } from "../providers/openai.js";
import { canonicalBody } from "./canonical-body.js";
import { parseStrictJson } from "./strict-json.js";

const json = '{"model":"m","messages":[{"role":"user","content":"hi é"}]}';
const chat = "/v1/chat/completions";
const read = (body: Buffer | string, headers: Record<string, string> = { "content-type": "application/json" }, rules = openai.requestBodies, path = chat, limit = 1 << 20) =>
  canonicalBody(Buffer.isBuffer(body) ? body : Buffer.from(body), headers, path, rules, limit);

describe("canonicalBody", () => {
  it("passes plain UTF-8 JSON through as the very same bytes", async () => {
    const bytes = Buffer.from(json);
    const result = await canonicalBody(bytes, { "content-type": "application/json" }, chat, openai.requestBodies, 1 << 20);
    expect(result.ok && result.body.bytes).toBe(bytes);
    expect(result.ok && result.body.form).toBe("json");
  });

  it.each([
    ["gzip", gzipSync],
    ["deflate", deflateSync],
    ["br", brotliCompressSync],
    ["zstd", zstdCompressSync],
  ])("decodes %s and forwards the decoded bytes", async (coding, encode) => {
    const result = await read(encode(Buffer.from(json)), { "content-type": "application/json", "content-encoding": coding });
    expect(result.ok && result.body.bytes.toString()).toBe(json);
    expect(result.ok && (result.body.json as { model: string }).model).toBe("m");
  });

  it("undoes stacked codings in reverse order", async () => {
    const result = await read(brotliCompressSync(gzipSync(Buffer.from(json))), { "content-type": "application/json", "content-encoding": "gzip, br" });
    expect(result.ok && result.body.bytes.toString()).toBe(json);
  });

  it.each([
    [{ "content-encoding": "compress" }, gzipSync(Buffer.from(json)), 415, "unsupported_content_encoding"],
    [{ "content-encoding": "gzip" }, Buffer.from(json), 400, "invalid_content_encoding"],
    [{ "content-encoding": "deflate" }, deflateRawSync(Buffer.from(json)), 400, "invalid_content_encoding"],
    [{ "content-encoding": "gzip" }, gzipSync(Buffer.alloc(4 << 20, 32)), 413, "decoded_body_too_large"],
    [{}, Buffer.from([0x7b, 0x22, 0xff, 0x22, 0x7d]), 400, "invalid_utf8"],
    [{ "content-type": "application/json; charset=x-klingon" }, Buffer.from(json), 415, "unsupported_charset"],
    [{ "content-type": "text/plain" }, Buffer.from("hello"), 415, "unsupported_media_type"],
    [{ "content-type": "application/x-www-form-urlencoded" }, Buffer.from("a=b"), 415, "unsupported_media_type"],
    [{ "content-type": "multipart/form-data; boundary=x" }, Buffer.from("--x--"), 415, "unsupported_media_type"],
    [{ "content-type": "application/json" }, Buffer.from('{"a":NaN}'), 400, "invalid_json"],
    [{ "content-type": "application/json" }, Buffer.from('{"a":1} {"a":2}'), 400, "invalid_json"],
    [{ "content-type": "application/json" }, Buffer.from('{"a":{"b":1,"b":2}}'), 400, "duplicate_json_key"],
    [{ "content-type": "application/json" }, Buffer.from('{"a":"x\\ud800y"}'), 400, "lone_surrogate"],
    [{ "content-type": "json" }, Buffer.from(json), 415, "invalid_content_type"],
  ])("refuses %j", async (headers, body, status, code) => {
    const result = await read(body, { "content-type": "application/json", ...headers });
    expect(result).toMatchObject({ ok: false, status, code });
  });

  it("drops a UTF-8 BOM and decodes other charsets into UTF-8, relabelled", async () => {
    const bom = await read(Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from(json)]));
    expect(bom.ok && bom.body.bytes.toString()).toBe(json);
    const latin1 = await read(Buffer.from(json, "latin1"), { "content-type": "application/json; charset=ISO-8859-1" });
    expect(latin1.ok && latin1.body.bytes.toString("utf8")).toBe(json);
    expect(latin1.ok && latin1.body.contentType).toBe("application/json;charset=utf-8");
    const utf16 = await read(Buffer.from(json, "utf16le"), { "content-type": "application/json; charset=utf-16le" });
    expect(utf16.ok && utf16.body.text).toBe(json);
  });

  it("reads an unlabelled body as JSON on a provider connection", async () => {
    expect((await read(json, {})).ok).toBe(true);
    expect(await read("hello", {})).toMatchObject({ ok: false, code: "invalid_json" });
  });

  it("on a generic connection reads text, forms and bytes, but text that opens JSON must be strict JSON", async () => {
    expect(await read("hello", { "content-type": "text/plain" }, generic.requestBodies)).toMatchObject({ ok: true, body: { form: "text" } });
    expect(await read("a=b", { "content-type": "application/x-www-form-urlencoded" }, generic.requestBodies)).toMatchObject({ ok: true, body: { form: "form" } });
    expect(await read(Buffer.from([1, 2, 0xff]), { "content-type": "image/png" }, generic.requestBodies)).toMatchObject({ ok: true, body: { form: "binary" } });
    expect(await read(Buffer.from([1, 2, 0xff]), {}, generic.requestBodies)).toMatchObject({ ok: true, body: { form: "binary" } });
    expect(await read('{"a":1,"a":2}', { "content-type": "text/plain" }, generic.requestBodies)).toMatchObject({ ok: false, code: "duplicate_json_key" });
    expect(await read(' [1, 2]', { "content-type": "text/plain" }, generic.requestBodies)).toMatchObject({ ok: true, body: { form: "json" } });
  });

  it("on a generic connection reads JSON lines, one strict document a line; a provider connection refuses them", async () => {
    const lines = '{"a":1}\r\n\n  {"b":"x"}  \n';
    const read1 = await read(lines, { "content-type": "application/x-ndjson" }, generic.requestBodies);
    expect(read1).toMatchObject({ ok: true, body: { form: "jsonl", bytes: Buffer.from(lines) } });
    expect(read1.ok && read1.body.documents!.filter((piece) => "json" in piece).map((piece) => ("json" in piece ? piece.json : undefined))).toEqual([{ a: 1 }, { b: "x" }]);
    expect(await read(lines, {}, generic.requestBodies)).toMatchObject({ ok: true, body: { form: "jsonl" } });
    expect(await read('{"a":1}\n{"a":1,"a":2}', { "content-type": "application/x-ndjson" }, generic.requestBodies)).toMatchObject({ ok: false, code: "duplicate_json_key" });
    expect(await read('{"a":1}\nnot json', { "content-type": "application/x-ndjson" }, generic.requestBodies)).toMatchObject({ ok: false, code: "invalid_json" });
    expect(await read('{"a":1}\n{"b":2}')).toMatchObject({ ok: false, code: "invalid_json" });
  });

  it("parses multipart uploads where the provider takes them and re-writes them", async () => {
    const boundary = "b0undary";
    const body = [
      `--${boundary}`, 'Content-Disposition: form-data; name="purpose"', "", "fine-tune",
      `--${boundary}`, 'Content-Disposition: form-data; name="file"; filename="data.jsonl"', "Content-Type: application/jsonl", "", '{"a":"jane@example.com"}',
      `--${boundary}`, 'Content-Disposition: form-data; name="image"; filename="x.png"', "Content-Type: image/png", "", "\x00\x01PNG",
      `--${boundary}--`, "",
    ].join("\r\n");
    const result = await read(Buffer.from(body, "latin1"), { "content-type": `multipart/form-data; boundary=${boundary}` }, openai.requestBodies, "/v1/files");
    expect(result.ok).toBe(true);
    if (!result.ok) return;
    expect(result.body.multipart?.parts.map((part) => [part.name, part.text])).toEqual([["purpose", "fine-tune"], ["file", '{"a":"jane@example.com"}'], ["image", undefined]]);
    expect(result.body.contentType).toMatch(/^multipart\/form-data; boundary=palisade-/);
    expect(result.body.bytes.toString("latin1")).toContain("\x00\x01PNG");
    const again = await read(result.body.bytes, { "content-type": result.body.contentType! }, openai.requestBodies, "/v1/files");
    expect(again.ok && again.body.multipart?.parts.map((part) => part.name)).toEqual(["purpose", "file", "image"]);
    expect(await read(Buffer.from(body), { "content-type": `multipart/form-data; boundary=${boundary}` }, anthropic.requestBodies, chat)).toMatchObject({ ok: false, status: 415 });
  });

  it("refuses multipart parts with a transfer encoding", async () => {
    const body = ["--b", 'Content-Disposition: form-data; name="file"; filename="a.txt"', "Content-Transfer-Encoding: base64", "", "aGk=", "--b--", ""].join("\r\n");
    expect(await read(body, { "content-type": "multipart/form-data; boundary=b" }, openai.requestBodies, "/v1/files")).toMatchObject({ ok: false, code: "unsupported_transfer_encoding" });
  });
});

describe("parseStrictJson", () => {
  it("counts keys written against keys parsed, escapes and nesting included", () => {
    expect(parseStrictJson('{"a\\":":1,"b":{"c\\\\":2,"d":[{"e":3}]}}')).toMatchObject({ ok: true });
    expect(parseStrictJson('{"a\\\\":1,"a\\\\":2}')).toMatchObject({ ok: false, code: "duplicate_json_key" });
    expect(parseStrictJson('{"x":"\\":\\":"}')).toMatchObject({ ok: true });
    expect(parseStrictJson('[{"k":1},{"k":1}]')).toMatchObject({ ok: true });
    // A key named __proto__ is refused before duplicates are counted (json-body.ts: red team, sixth pass).
    expect(parseStrictJson('{"__proto__":1,"__proto__":2}')).toMatchObject({ ok: false, code: "prototype_json_key" });
    expect(parseStrictJson('{"constructor":1,"constructor":2}')).toMatchObject({ ok: false, code: "duplicate_json_key" });
    expect(parseStrictJson('{"a":"\\ud83d\\ude00"}')).toMatchObject({ ok: true });
    expect(parseStrictJson('{"\\udc00":1}')).toMatchObject({ ok: false, code: "lone_surrogate" });
  });
});
