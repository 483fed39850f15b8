// The response-side evasion corpus, third part (red team, fifth pass): base64 spelling a value
// outside the JSON strings a reply's fields hold — a whole body that is not JSON, a header value,
// an object key, an identifier, an SSE comment or event name. A value there cannot be masked in
// place: the reply is refused. Opaque runs of bytes there (signatures, cookies) pass. And JSON text
// sequences (RFC 7464: a record separator before each record), read as JSON lines.
import { anthropic, chat, split } from "./reply-builders.js";
import { caseList, EMAIL, type ReplyCase } from "./response-values.js";

const { cases, add } = caseList();
const spelled = Buffer.from(`mail ${EMAIL} now`).toString("base64");
const whole = (extra: Record<string, unknown> = {}, message: Record<string, unknown> = { content: "ok" }) => chat.whole(message, extra);

add("chat", false, "base64 elsewhere", "a text body", `decode ${spelled} please`, [EMAIL], { refused: true, headers: { "content-type": "text/plain" } });
add("chat", false, "base64 elsewhere", "an HTML body", `<p>decode <b>${spelled}</b></p>`, [EMAIL], { refused: true, headers: { "content-type": "text/html" } });
add("chat", false, "base64 elsewhere", "a header value", JSON.stringify(whole()), [EMAIL], { refused: true, headers: { "content-type": "application/json", "x-note": spelled } });
add("chat", false, "base64 elsewhere", "an object key", whole({ x_map: { [spelled]: 1 } }), [EMAIL], { refused: true });
add("chat", false, "base64 elsewhere", "a tool call id", whole({}, { tool_calls: [{ id: spelled, type: "function", function: { name: "f", arguments: "{}" } }] }), [EMAIL], { refused: true });
add("chat", true, "base64 elsewhere", "an SSE comment line", `: ${spelled}\n\n${chat.stream([{ content: "hi" }])}`, [EMAIL], { refused: true });
add("chat", true, "base64 elsewhere", "an SSE event name", `event: ${spelled}\n${chat.stream([{ content: "hi" }])}`, [EMAIL], { refused: true });
// Runs of bytes are no text: a thinking signature and a cookie pass as they are.
const bytes = Buffer.from(Array.from({ length: 300 }, (_, index) => (index * 151 + 7) % 256)).toString("base64");
add("anthropic", true, "base64 elsewhere", "a thinking signature of bytes passes", anthropic.stream([["content_block_start", { index: 0, content_block: { type: "thinking", thinking: "" } }], ["content_block_delta", { index: 0, delta: { type: "signature_delta", signature: bytes } }], ["content_block_stop", { index: 0 }]]), []);
add("chat", false, "base64 elsewhere", "a cookie of bytes passes", JSON.stringify(whole()), [], { headers: { "content-type": "application/json", "set-cookie": `s=${bytes}; Path=/` } });

// Hex digits spelling a value (the request side reads them too): refused, a stream before any of the run goes out.
const hex = Buffer.from(`mail ${EMAIL} now`).toString("hex");
add("chat", false, "hex", "hex digits in the content", whole({}, { content: `decode ${hex} please` }), [EMAIL], { refused: true });
add("chat", false, "hex", "upper-case hex digits in a text body", `decode ${hex.toUpperCase()} please`, [EMAIL], { refused: true, headers: { "content-type": "text/plain" } });
// No part of the value goes out before the refusal: the run is held while it spells text.
const start = EMAIL.slice(0, 14);
add("chat", true, "hex", "hex digits one character per delta", chat.stream([...`decode ${hex} please`].map((content) => ({ content }))), [EMAIL, start], { refused: true });
add("anthropic", true, "hex", "hex digits in thinking, split in three", anthropic.stream(anthropic.block(0, { type: "thinking", thinking: "" }, "thinking_delta", "thinking", split(`decode ${hex} please`, 3))), [EMAIL, start], { refused: true });
add("chat", false, "hex", "a hash and an id of hex digits pass", whole({}, { content: `commit 3f786850e387550fdab836ed7e6dc881de23001b, id 00000000deadbeef` }), []);

const records = (pieces: string[]) => pieces.map((piece) => `\u001e${JSON.stringify({ message: { role: "assistant", content: piece } })}\n`).join("");
add("chat", false, "JSON text sequence", "a value split over records", records(["write to zoe.qu", "ill@exam", "ple.org now"]), [EMAIL], { headers: { "content-type": "application/json-seq" } });
add("chat", false, "JSON text sequence", "a value split over records, unlabelled", records(["zoe.quill@", "example.org"]), [EMAIL], { headers: { "content-type": "application/octet-stream" } });

// Text deltas for content blocks that never started (no content_block_start): a reader appending
// every text delta reads the blocks joined, as it does started ones.
const unstarted = (pieces: string[]) => anthropic.stream(pieces.map((text, index): [string, Record<string, unknown>] => ["content_block_delta", { index, delta: { type: "text_delta", text } }]));
add("anthropic", true, "crafted stream", "a value over two text blocks that never started", unstarted(["write to zoe.quill@", "example.org now"]), [EMAIL]);
add("anthropic", true, "crafted stream", "a value over three thinking blocks that never started", anthropic.stream(["zoe.qu", "ill@examp", "le.org"].map((thinking, index): [string, Record<string, unknown>] => ["content_block_delta", { index, delta: { type: "thinking_delta", thinking } }])), [EMAIL]);

/** The cases of this part. */
export const ELSEWHERE_CASES: readonly ReplyCase[] = cases;
