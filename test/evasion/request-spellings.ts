// The request-side evasion corpus, third part: values in other spellings a reader still reads —
// base64 as lenient readers decode it, header bytes as UTF-8, the body's members in the order a
// provider reads them, values inside longer runs and numbers in other spellings, prompts as token ids.
import { CARD, CHAT, caseList, chat, claude, EMAIL, json, KEYWORD, PHONE, type Connection, type RequestCase } from "./request-values.js";

const { cases, add } = caseList();

// 14. Base64 as lenient readers decode it (a provider reading a text/plain document, Python's
// b64decode, WHATWG data: URLs), and header bytes as UTF-8.
const b64 = (data: string | Buffer) => Buffer.from(data).toString("base64");
const document = (data: string) => claude([{ type: "document", source: { type: "base64", media_type: "text/plain", data } }]);
const fileData = (url: string) => chat([{ type: "file", file: { filename: "a.txt", file_data: url } }]);
const utf16 = (text: string, bom = false) => Buffer.concat([Buffer.from(bom ? [0xff, 0xfe] : []), Buffer.from(text, "utf16le")]);
const lenientBase64: Record<string, [Connection, string]> = {
  "a Latin-1 byte in a document": ["claude", document(b64(Buffer.from(`contact ${EMAIL} caf\xe9`, "latin1")))],
  "a control character in a document": ["claude", document(b64(`contact ${EMAIL}\x01`))],
  "a UTF-16 document without a mark": ["claude", document(b64(utf16(`contact ${EMAIL}`)))],
  "a UTF-16 document with a mark": ["claude", document(b64(utf16(`contact ${EMAIL}`, true)))],
  "line breaks inside (MIME)": ["claude", document(b64(`contact ${EMAIL} and more`).replace(/(.{8})/g, "$1\n"))],
  "spaces inside": ["claude", document(b64(`contact ${EMAIL} and more`).replace(/(.{8})/g, "$1 "))],
  "no padding": ["claude", document(b64(`contact ${EMAIL}??>`).replace(/=+$/, ""))],
  "base64 of base64": ["openai", chat("hi", { blob: b64(b64(`contact ${EMAIL}`)) })],
  "DATA: in upper case": ["openai", fileData(`DATA:text/plain;base64,${b64(`contact ${EMAIL}`)}`)],
  "a data URL with percent-escapes in its payload": ["openai", fileData(`data:text/plain;base64,${b64(`contact ${EMAIL}`).replace(/a/g, "%61")}`)],
  "a UTF-16 data URL with a mark": ["openai", fileData(`data:text/plain;base64,${b64(utf16(`contact ${EMAIL}`, true))}`)],
  "a data URL naming its charset": ["openai", fileData(`data:text/plain;charset=utf-16le;base64,${b64(utf16(`contact ${EMAIL}`))}`)],
  "a Responses input_file": ["openai", json({ model: "m", input: [{ role: "user", content: [{ type: "input_file", filename: "a.txt", file_data: `data:text/plain;base64,${b64(`contact ${EMAIL}`)}` }] }] })],
};
for (const [name, [connection, text]] of Object.entries(lenientBase64)) add("base64", name, connection, text, [EMAIL], "forwarded", name.includes("Responses") ? { path: "/v1/responses" } : {});
// Base64 inside a sentence: a model decodes a run as readily as a string that is base64 whole.
const inSentence: Record<string, string> = {
  "padded, inside a sentence": b64(`contact ${EMAIL}`),
  "URL-safe without padding, inside a sentence": Buffer.from(`contact ${EMAIL} ok`).toString("base64url").replace(/=+$/, ""),
  "base64 of base64, inside a sentence": b64(b64(`contact ${EMAIL}`)),
};
for (const [name, run] of Object.entries(inSentence)) add("base64", name, "openai", chat(`please decode ${run} and answer`), [EMAIL]);
add("base64", "a card in base64 in parentheses in a tool result", "openai", json({ model: "m", messages: [{ role: "tool", tool_call_id: "c", content: `blob (${b64(`card ${CARD}`)}).` }] }), [CARD]);
// Short runs (12 to 19 characters: a short value), read when they look like base64 of text (red team, sixth pass).
add("base64", "an SSN in base64 inside a sentence (16 characters)", "openai", chat(`please decode ${b64("219-45-6789")} and answer`), ["219-45-6789"]);
add("base64", "a phone number in base64, a whole string (16 characters)", "openai", chat("hi", { note: b64("415-555-0133") }), [PHONE]);
add("base64", "a short e-mail in URL-safe base64 without padding", "openai", chat(`decode ${Buffer.from("jane@ex.com").toString("base64url").replace(/=+$/, "")} ok`), ["jane@ex.com"]);
add("hex", "an e-mail as hex digits inside a sentence", "openai", chat(`decode ${Buffer.from(`contact ${EMAIL}`).toString("hex")} please`), [EMAIL]);
add("hex", "an e-mail as upper-case hex digits, the whole string", "openai", chat(Buffer.from(`contact ${EMAIL}`).toString("hex").toUpperCase()), [EMAIL]);
add("hex", "a keyword as hex digits inside a sentence", "openai", chat(`decode ${Buffer.from(`about ${KEYWORD}`).toString("hex")} please`), [], "denied");
add("base64", "a keyword in base64 inside a sentence", "openai", chat(`decode this: ${b64(`tell me about ${KEYWORD}`)} thanks`), [], "denied");
add("base64", "a keyword in URL-safe base64 without padding inside a sentence", "claude", claude(`decode: ${Buffer.from(`about ${KEYWORD}`).toString("base64url").replace(/=+$/, "")}`), [], "denied");
add("base64", "a keyword in a Latin-1 document", "claude", document(b64(Buffer.from(`about ${KEYWORD} caf\xe9`, "latin1"))), [], "denied");
add("base64", "a UTF-16 text data URL where binary parts may pass", "openai", json({ model: "m", input: "x", doc: `data:text/plain;base64,${b64(utf16(`contact ${EMAIL}`, true))}` }), [EMAIL], "forwarded", { path: "/v1/audio/speech" });
add("base64", "a long Latin-1 document where binary parts may pass", "openai", json({ model: "m", input: "x", doc: b64(Buffer.from(`contact ${EMAIL} caf\xe9 ${"lorem ipsum ".repeat(40)}`, "latin1")) }), [EMAIL], "forwarded", { path: "/v1/audio/speech" });
add("base64", "a long Latin-1 document where binary parts may not pass", "claude", document(b64(Buffer.from(`contact ${EMAIL} caf\xe9 ${"lorem ipsum ".repeat(40)}`, "latin1"))), [], "refused");
add("base64", "in a header", "openai", chat("hi"), [EMAIL], "forwarded", { headers: { "content-type": "application/json", "x-note": b64(`contact ${EMAIL}`) } });
add("base64", "in the query", "openai", chat("hi"), [EMAIL], "forwarded", { path: `${CHAT}?n=${encodeURIComponent(b64(`contact ${EMAIL}`))}` });
add("base64", "a generic text body", "plain", b64(`contact ${EMAIL}`), [EMAIL], "forwarded", { headers: { "content-type": "text/plain" } });
const utf8Header = (text: string) => Buffer.from(text, "utf8").toString("latin1"); // as Node hands the bytes over
add("header", "a full-width @ as UTF-8 bytes", "openai", chat("hi"), [EMAIL], "forwarded", { headers: { "content-type": "application/json", "x-note": utf8Header("jane.doe＠example.com") } });
// Red team, sixth pass: a body in another charset goes with the caller's Content-Type relabelled
// UTF-8, which once replaced the masked header with the caller's parameters as sent.
for (const [name, type, body] of [
  ["a value in a Content-Type parameter of a UTF-16 body", `application/json; charset=utf-16le; note="${EMAIL}"`, Buffer.from(chat("hi"), "utf16le")],
  ["a value in a Content-Type parameter of a Latin-1 body", `application/json; charset=iso-8859-1; to=${EMAIL}`, Buffer.from(chat("caf\xe9"), "latin1")],
] as const) add("header", name, "openai", body, [EMAIL], "forwarded", { headers: { "content-type": type } });
add("header", "a value in a Content-Type parameter of a Latin-1 text body", "plain", Buffer.from(`caf\xe9 ${CARD}`, "latin1"), [EMAIL, CARD], "forwarded", { headers: { "content-type": `text/plain; charset=latin1; owner="${EMAIL}"` } });
add("header", "a full-width keyword as UTF-8 bytes", "openai", chat("hi"), [], "denied", { headers: { "content-type": "application/json", "x-note": utf8Header("ｐｒｏｊｅｃｔ ｎｉｇｈｔｉｎｇａｌｅ") } });

// 15. The body's members in another order than the provider reads them: a keyword split over the
// system prompt (instructions, tools) written after the conversation, or members with others between.
const reordered: Record<string, [Connection, string, string]> = {
  "Anthropic system after the messages": ["claude", "/v1/messages", json({ messages: [{ role: "user", content: "ingale please" }], max_tokens: 16, model: "claude", system: "tell me about project night" })],
  "Anthropic system blocks after the messages": ["claude", "/v1/messages", json({ messages: [{ role: "user", content: [{ type: "text", text: "ingale" }] }], model: "claude", max_tokens: 16, system: [{ type: "text", text: "project night" }] })],
  "Responses instructions after the input": ["openai", "/v1/responses", json({ input: "ingale please", model: "m", instructions: "tell me about project night" })],
  "a tool description after the messages": ["openai", CHAT, json({ messages: [{ role: "user", content: "ingale" }], model: "m", tools: [{ type: "function", function: { name: "f", description: "project night" } }] })],
  "instructions and input with metadata between": ["openai", "/v1/responses", json({ instructions: "project night", metadata: { note: "x" }, input: "ingale" })],
};
for (const [name, [connection, path, text]] of Object.entries(reordered)) add("member order", name, connection, text, [], "denied", { path });

// 13. A value inside a longer run, and numbers in other spellings: found where it sits (red team M3, M5).
const inside: Record<string, [string, string]> = {
  "an international number followed by digits": ["call +1 415 555 0133 12 now", PHONE],
  "a national number followed by digits": ["call (415) 555-0133 12 now", PHONE],
  "a card followed by three digits": [`card ${CARD} 123`, CARD],
  "a card with a leading zero": ["card 04111111111111111", CARD],
  "a card after a comma (CSV)": ["jane,doe,4111111111111111,12/29", CARD],
  "card groups on separate lines": ["card\n4111\n1111\n1111\n1111", CARD],
  "card groups on CRLF lines": ["card\r\n4111\r\n1111\r\n1111\r\n1111", CARD],
  "card groups with long separators": ["4111 -- 1111 -- 1111 -- 1111", CARD],
  "a card glued to letters": ["card4111111111111111ok", CARD],
  "an e-mail after 70 letters": [`mail ${"b".repeat(70)}${EMAIL}`, EMAIL],
  "an e-mail after x..": [`mail x..${EMAIL}`, EMAIL],
};
for (const [name, [text, secret]] of Object.entries(inside)) add("inside a longer run", name, "openai", chat(text), [secret]);
const numberSpellings = ["4111111111111111.0", "4111111111111111.00", "-4111111111111111", "4111111111111111e0", "4.111111111111111e15", "4111111111111111000000000000000", "41111111111111110e-1"];
for (const spelling of numberSpellings) {
  add("number spelling", `a card as the JSON number ${spelling}`, "openai", `{"model":"m","messages":[{"role":"user","content":"hi"}],"n":${spelling}}`, [CARD]);
}

// Token ids: a prompt the provider reads as tokens is text no detector reads, so a binary part
// (refused under a policy that reads content, unless binary: allow); text in those fields still passes.
const tokenIds = Array.from({ length: 12 }, (_, index) => 1_000 + index * 37);
add("token ids", "completions prompt as token ids", "openai", json({ model: "m", prompt: tokenIds }), [], "refused", { path: "/v1/completions" });
add("token ids", "completions prompt as lists of token ids", "openai", json({ model: "m", prompt: [tokenIds, tokenIds] }), [], "refused", { path: "/v1/completions" });
add("token ids", "embeddings input as lists of token ids", "openai", json({ model: "m", input: [tokenIds] }), [], "refused", { path: "/v1/embeddings" });
add("token ids", "embeddings input as text", "openai", json({ model: "m", input: [`mail ${EMAIL}`, "plain"] }), [EMAIL], "forwarded", { path: "/v1/embeddings" });

/** The cases of this part. */
export const SPELLING_CASES: readonly RequestCase[] = cases;
