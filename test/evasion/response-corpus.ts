// The response-side evasion corpus: crafted provider replies (OpenAI chat completions, the Responses
// API, Anthropic Messages; whole and streamed) that try to get a masked value to the caller through
// every class of problem we know of: fields the agent does not know by name (reasoning, audio
// transcripts, annotations, citations, thinking, unknown fields and event types), values split
// across pieces, events, array elements and network chunks, logprobs spelling a value, JSON inside
// strings, escapes, keys and numbers, SSE lines other than data, content types that lie, encodings,
// invalid UTF-8 and other charsets, headers. Each case lists the values that must not reach the
// caller; `refused` ones must end in a refusal (502, or an error event once the stream is under way).
import { deflateSync, brotliCompressSync, gzipSync, zstdCompressSync } from "node:zlib";
import { anthropic, chars, chat, responses, split, sse, type Json } from "./reply-builders.js";

import { AWS_LINE, AWS_SECRET, CARD, CARD_DIGITS, caseList, EMAIL, escapedEmail, IBAN, KEY, PHONE, SSN, text, US_PHONE, type ReplyCase } from "./response-values.js";
import { READER_CASES } from "./response-readers.js";
import { ELSEWHERE_CASES } from "./response-elsewhere.js";
import { ENCODING_CASES, plainChat } from "./response-encodings.js";

export { CARD, CARD_DIGITS, EMAIL, IBAN, KEY, PHONE, SSN, US_PHONE, type Api, type ReplyCase } from "./response-values.js";

const { cases, add } = caseList();

// Look-alikes of the values (the detectors read a normalised view; see core/text/normalise.ts).
const LOOK_ALIKES: [string, string, string][] = [
  ["a full-width @", "zoe.quill\uFF20example.org", EMAIL],
  ["a zero-width space inside an address", "zoe.qu\u200Bill@exam\u200Bple.org", EMAIL],
  ["a percent-encoded @", "zoe.quill%40example.org", EMAIL],
  ["a card with dots", "4539.1488.0343.6467", CARD],
  ["a card with no-break spaces", "4539\u00A01488\u00A00343\u00A06467", CARD],
  ["full-width digits of a card", "４５３９ １４８８ ０３４３ ６４６７", CARD],
  ["a US number without a country code", "415-555-0133", US_PHONE],
  ["a DEL inside an address", "zoe.quill@exam\u007Fple.org", EMAIL],
  ["NUL between the characters of an address", [...EMAIL].join("\u0000"), EMAIL],
  ["an address in tag characters", [...EMAIL].map((char) => String.fromCodePoint(0xe0000 + char.charCodeAt(0))).join(""), EMAIL],
  ["an address as variation-selector bytes", `😀${[...Buffer.from(EMAIL)].map((byte) => String.fromCodePoint(byte < 16 ? 0xfe00 + byte : 0xe0100 + byte - 16)).join("")}`, EMAIL],
  ["named character references in an address", "zoe.quill&commat;example&period;org", EMAIL],
  ["an ideographic full stop in the domain", "zoe.quill@example\u3002org", EMAIL],
  ["dingbat digits of a card", "❹❺❸❾ ➀❹➇➇ ⓿❸❹❸ ❻❹❻❼", CARD],
  // A value inside a longer run (red team M3).
  ["a card after a comma", "x,4539148803436467,y", CARD],
  ["card groups on separate lines", "4539\n1488\n0343\n6467", CARD],
  ["a card followed by three digits", "4539 1488 0343 6467 123", CARD],
  ["a card with a leading zero", "04539148803436467", CARD],
  ["an international number followed by digits", "+44 20 7946 0958 12", PHONE],
  ["an address after 70 letters", `${"b".repeat(70)}${EMAIL}`, EMAIL],
  ["an address after x..", `x..${EMAIL}`, EMAIL],
  // Markup a browser or a chat UI hides (red team, reply side).
  ["HTML tags inside an address", "zoe.quill<b></b>@exam<span class=\"x\">ple</span>.org", EMAIL],
  ["an HTML comment inside an address", "zoe.quill<!-- x -->@example.org", EMAIL],
  ["markdown emphasis inside an address", "zoe.quill**@**exa`mple`.org", EMAIL],
  ["card groups in HTML tags", "<i>4539</i><i>1488</i><i>0343</i><i>6467</i>", CARD],
  // Other writings of an SSN and an IBAN, and escapes encoded twice (red team, fourth pass).
  ["an SSN with en dashes", "123–45–6789", SSN],
  ["an SSN with dots", "123.45.6789", SSN],
  // Blanks around the dashes, as typed into or pasted from a form (red team, sixth pass).
  ["an SSN with blanks around its dashes", "123 - 45 - 6789", SSN],
  ["an SSN with blanks around its en dashes", "123 – 45 – 6789", SSN],
  ["an IBAN in lower case", IBAN.toLowerCase(), IBAN],
  ["an IBAN with dashes", IBAN.replaceAll(" ", "-"), IBAN],
  ["an IBAN grouped oddly", "DE 89 370400440532013000", IBAN],
  ["an @ percent-encoded twice", "zoe.quill%2540example.org", EMAIL],
  ["an @ as a character reference escaped again", "zoe.quill&amp;#64;example.org", EMAIL],
  // What an HTML or XML reader decodes that the views once did not (red team, fifth pass).
  ["a numeric reference without its semicolon", "zoe.quill&#64example.org", EMAIL],
  ["a soft hyphen reference without its semicolon", "zoe.quill@exa&shymple.org", EMAIL],
  ["a CDATA section around the @", "zoe.quill<![CDATA[@]]>example.org", EMAIL],
  ["an octal escape of the @", "zoe.quill\\100example.org", EMAIL],
  ["a Python \\U escape of the @", "zoe.quill\\U00000040example.org", EMAIL],
  // Python's named escapes and CSS escapes (red team, sixth pass).
  ["a Python named escape of the @", "zoe.quill\\N{COMMERCIAL AT}example.org", EMAIL],
  ["CSS escapes of the @ and a dot", "zoe.quill\\40 example\\2e org", EMAIL],
];

// ── OpenAI chat completions, whole ────────────────────────────────────────────────────────────
add("chat", false, "known field", "content", chat.whole({ content: text(EMAIL) }), [EMAIL]);
add("chat", false, "reasoning", "message.reasoning_content", chat.whole({ content: "ok", reasoning_content: `I will use ${EMAIL}` }), [EMAIL]);
add("chat", false, "reasoning", "message.reasoning", chat.whole({ content: "ok", reasoning: `Dial ${PHONE}` }), [PHONE]);
add("chat", false, "reasoning", "message.reasoning_details[].text", chat.whole({ content: "ok", reasoning_details: [{ type: "reasoning.text", text: `card ${CARD}` }] }), [CARD]);
add("chat", false, "audio", "message.audio.transcript", chat.whole({ audio: { id: "audio_1", data: "UklGRg==", expires_at: 1, transcript: `Your SSN is ${SSN}` } }), [SSN]);
add("chat", false, "annotations", "message.annotations url_citation", chat.whole({ content: "see [1]", annotations: [{ type: "url_citation", url_citation: { url: `mailto:${EMAIL}`, title: `Key ${KEY}`, start_index: 4, end_index: 7 } }] }), [EMAIL, KEY]);
add("chat", false, "array content", "content parts split across elements", chat.whole({ content: [{ type: "text", text: "write to zoe.quill@" }, { type: "text", text: "example.org now" }] }), [EMAIL]);
add("chat", false, "json in string", "tool call arguments with a \\u0040 escape", chat.whole({ tool_calls: [{ id: "call_1", type: "function", function: { name: "send", arguments: `{"to":"${escapedEmail}"}` } }] }), [EMAIL]);
add("chat", false, "numbers", "tool call arguments with a card as a number", chat.whole({ tool_calls: [{ id: "call_1", type: "function", function: { name: "pay", arguments: `{"card":${CARD_DIGITS}}` } }] }), [CARD_DIGITS], { marker: false });
add("chat", false, "keys", "tool call arguments with an address as a key", chat.whole({ tool_calls: [{ id: "call_1", type: "function", function: { name: "send", arguments: JSON.stringify({ [EMAIL]: "hi" }) } }] }), [EMAIL]);
add("chat", false, "known field", "legacy function_call arguments", chat.whole({ function_call: { name: "send", arguments: JSON.stringify({ to: EMAIL }) } }), [EMAIL]);
add("chat", false, "unknown field", "custom tool call input", chat.whole({ tool_calls: [{ id: "call_1", type: "custom", custom: { name: "shell", input: `mail ${EMAIL}` } }] }), [EMAIL]);
add("chat", false, "unknown field", "top-level unknown object", chat.whole({ content: "ok" }, { x_debug: { note: `caller ${PHONE}`, list: [IBAN] } }), [PHONE, IBAN]);
add("chat", false, "unknown field", "choice-level unknown field", chat.whole({ content: "ok" }, {}, { x_trace: `key ${KEY}` }), [KEY]);
add("chat", false, "keys", "an address as an object key", chat.whole({ content: "ok" }, { metadata: { [EMAIL]: 1 } }), [EMAIL]);
add("chat", false, "numbers", "a card as a JSON number", chat.whole({ content: "ok" }, { x_ref: Number(CARD_DIGITS) }), [CARD_DIGITS], { marker: false });
// Numbers in other spellings (red team M5): the digits a number denotes are matched.
for (const spelling of [`${CARD_DIGITS}.0`, `-${CARD_DIGITS}`, `${CARD_DIGITS}e0`, "4.539148803436467e15", `${CARD_DIGITS}000000000000000`]) {
  add("chat", false, "numbers", `a card as the JSON number ${spelling}`, JSON.stringify(chat.whole({ content: "ok" }, { x_ref: "NUMBER" })).replace('"NUMBER"', spelling), [CARD_DIGITS], { marker: false });
}
add("chat", false, "json in string", "JSON in an unknown string field", chat.whole({ content: "ok" }, { x_payload: JSON.stringify({ a: { b: EMAIL } }).replace("@", "\\u0040") }), [EMAIL]);
add("chat", false, "known field", "refusal", chat.whole({ refusal: `I cannot share ${SSN}` }), [SSN]);
add("chat", false, "logprobs", "logprobs tokens, bytes and alternatives spelling the address", chat.whole({ content: `mail ${EMAIL}` }, {}, {
  logprobs: {
    content: ["mail", " zoe", ".", "quill", "@", "example", ".org"].map((token) => ({
      token, logprob: -0.1, bytes: [...Buffer.from(token)], top_logprobs: [{ token, logprob: -0.1, bytes: [...Buffer.from(token)] }, { token: "x", logprob: -3, bytes: [120] }],
    })),
    refusal: null,
  },
}), [EMAIL]);
add("chat", false, "escapes", "a literal \\u0040 escape in prose", chat.whole({ content: `write ${escapedEmail}` }), [EMAIL]);
add("chat", false, "escapes", "an @ written as a JSON escape of the body itself, formatted loosely", `{ "id": "c", "object": "chat.completion",\n  "choices": [ { "index": 0, "message": { "role": "assistant", "content": "write ${escapedEmail}" }, "finish_reason": "stop" } ] }`, [EMAIL]);
add("chat", false, "errors", "an error body", { error: { message: `No account for ${EMAIL}`, type: "invalid_request_error", param: null, code: null } }, [EMAIL], { status: 400 });
add("chat", false, "duplicate keys", "a value in the first of two duplicate keys", `{"id":"c","object":"chat.completion","choices":[{"index":0,"message":{"role":"assistant","content":"${EMAIL}","content":"ok"},"finish_reason":"stop"}]}`, [EMAIL]);
add("chat", false, "trailing data", "a second JSON document after the body", `${JSON.stringify(chat.whole({ content: "ok" }))}\n{"note":"${EMAIL}"}`, [EMAIL]);
add("chat", false, "context", "an AWS secret 40 spaces after its name", chat.whole({ content: AWS_LINE }), [AWS_SECRET]);
// Secrets without a digit, "@", "%", "&" or ":" (a quick test once skipped such texts).
const LETTERS_ONLY_AWS_SECRET = "wJalrXUtnFEMIxKbPxRfiCYzEXAMPLEKQabcdefg";
const LETTERS_ONLY_AWS_ID = "AKIAQWERTYUIOPASDFGH";
add("chat", false, "context", "an AWS secret of letters only, after its name", chat.whole({ content: `aws_secret_access_key = ${LETTERS_ONLY_AWS_SECRET}` }), [LETTERS_ONLY_AWS_SECRET]);
add("chat", false, "secrets", "an AWS key id of letters only", chat.whole({ content: `the id is ${LETTERS_ONLY_AWS_ID} here` }), [LETTERS_ONLY_AWS_ID]);
add("chat", true, "secrets", "an AWS key id of letters only, in two deltas", chat.stream([{ content: "the id is AKIAQWERTY" }, { content: "UIOPASDFGH here" }]), [LETTERS_ONLY_AWS_ID]);
// The same broken up by what the detectors' views read as nothing (markup, controls, escapes of dropped characters).
for (const [name, form] of [
  ["markdown emphasis inside", "AK**IA**QWERTYUIOPASDFGH"],
  ["backticks inside", "AK`IA`QWERTYUIOPASDFGH"],
  ["an HTML tag inside", "AK<b></b>IAQWERTYUIOPASDFGH"],
  ["a control character inside", "AK\u0001IAQWERTYUIOPASDFGH"],
  ["a JSON escape of a BOM inside", "AK\\uFEFFIAQWERTYUIOPASDFGH"],
]) {
  add("chat", false, "secrets", `${name} an AWS key id of letters only`, chat.whole({ content: `the id is ${form} here` }), [LETTERS_ONLY_AWS_ID]);
  add("chat", true, "secrets", `${name} an AWS key id of letters only, in two deltas`, chat.stream([{ content: `the id is ${form.slice(0, 9)}` }, { content: `${form.slice(9)} here` }]), [LETTERS_ONLY_AWS_ID]);
}
add("chat", false, "secrets", "markdown emphasis inside a Slack token of letters only", chat.whole({ content: "token xo**x**b-abcdefghijklmnop here" }), ["xoxb-abcdefghijklmnop"]);
add("chat", false, "phones", "a national US number", chat.whole({ content: `call ${US_PHONE}` }), [US_PHONE]);
const base64Of = (text: string | Buffer) => Buffer.from(text).toString("base64");
add("chat", false, "base64", "a CSV file as base64 in an unknown field", chat.whole({ content: "see file" }, { x_file: { name: "out.csv", data: base64Of(`name, email, card\nZoe, ${EMAIL}, ${CARD}\n`) } }), [EMAIL, CARD]);
add("chat", false, "base64", "a text data: URL", chat.whole({ content: "ok", annotations: [{ type: "file", url: `data:text/plain;base64,${base64Of(`call ${PHONE}`)}` }] }), [PHONE]);
add("responses", false, "base64", "a code interpreter output file as base64", responses.whole([{ id: "ci_1", type: "code_interpreter_call", code: "df.to_csv()", outputs: [{ type: "file", mime_type: "text/csv", content: base64Of(`ssn\n${SSN}\n`) }] }]), [SSN]);
for (const [name, value, secret] of LOOK_ALIKES) {
  add("chat", false, "look-alikes", name, chat.whole({ content: `reach ${value} now` }), [secret]);
  add("chat", true, "look-alikes", `${name}, one character per delta`, chat.stream(chars(`reach ${value} now`).map((content) => ({ content }))), [secret]);
  add("anthropic", true, "look-alikes", `${name} in thinking, split in three`, anthropic.stream(anthropic.block(0, { type: "thinking", thinking: "" }, "thinking_delta", "thinking", split(`reach ${value} now`, 3))), [secret]);
}

// A key named __proto__ (red team, sixth pass): a chat delta {"__proto__":{"content":…}} made the
// engine write into Object.prototype; such a reply is refused, whole or streamed.
const protoChunk = (content: string) => `data: {"id":"x","object":"chat.completion.chunk","created":1,"model":"m","choices":[{"index":0,"delta":{"__proto__":{"content":"${content}"}},"finish_reason":null}]}\n\n`;
add("chat", true, "prototype key", "a __proto__ key in a delta, split over two chunks", `${protoChunk("zoe.quill@exa")}${protoChunk("mple.org")}data: [DONE]\n\n`, [EMAIL], { refused: true });
add("chat", false, "prototype key", "a __proto__ key in a whole reply", `{"id":"x","object":"chat.completion","created":1,"model":"m","choices":[{"index":0,"message":{"role":"assistant","content":"hi","__proto__":{"content":"${EMAIL}"}},"finish_reason":"stop"}]}`, [EMAIL], { refused: true });

// ── OpenAI chat completions, streamed ─────────────────────────────────────────────────────────
add("chat", true, "known field", "content one character per delta", chat.stream(chars(text(EMAIL)).map((content) => ({ content }))), [EMAIL]);
add("chat", true, "reasoning", "delta.reasoning_content one character per delta", chat.stream([...chars(`think ${EMAIL}`).map((reasoning_content) => ({ reasoning_content })), { content: "done" }]), [EMAIL]);
add("chat", true, "reasoning", "delta.reasoning in three pieces, then content", chat.stream([...split(`use ${CARD}`, 3).map((reasoning) => ({ reasoning })), { content: "ok" }]), [CARD]);
add("chat", true, "audio", "delta.audio.transcript split", chat.stream([{ audio: { id: "audio_1" } }, ...split(`number ${SSN} ok`, 4).map((transcript) => ({ audio: { transcript } }))]), [SSN]);
add("chat", true, "array content", "delta.content as an array of parts, split across chunks", chat.stream(split(text(EMAIL), 5).map((part) => ({ content: [{ type: "text", text: part }] }))), [EMAIL]);
add("chat", true, "tool calls", "tool call deltas without index", chat.stream([{ tool_calls: [{ id: "call_1", type: "function", function: { name: "send", arguments: "" } }] }, ...chars(JSON.stringify({ to: EMAIL })).map((piece) => ({ tool_calls: [{ function: { arguments: piece } }] }))], "tool_calls"), [EMAIL]);
add("chat", true, "tool calls", "tool call arguments with an escape cut in the middle", chat.stream([{ tool_calls: [{ index: 0, id: "call_1", type: "function", function: { name: "send", arguments: "" } }] }, ...['{"to":"zoe.quill\\u00', '40example.org"}'].map((piece) => ({ tool_calls: [{ index: 0, function: { arguments: piece } }] }))], "tool_calls"), [EMAIL]);
add("chat", true, "numbers", "tool call arguments with a card as a number, split", chat.stream([{ tool_calls: [{ index: 0, id: "call_1", type: "function", function: { name: "pay", arguments: "" } }] }, ...split(`{"card":${CARD_DIGITS}}`, 4).map((piece) => ({ tool_calls: [{ index: 0, function: { arguments: piece } }] }))], "tool_calls"), [CARD_DIGITS], { marker: false });
add("chat", true, "numbers", "tool call arguments with a card in exponent form", chat.stream([{ tool_calls: [{ index: 0, id: "call_1", type: "function", function: { name: "pay", arguments: "" } }] }, ...split(`{"card":4.539148803436467e15}`, 3).map((piece) => ({ tool_calls: [{ index: 0, function: { arguments: piece } }] }))], "tool_calls"), [CARD_DIGITS], { marker: false });
add("chat", false, "numbers", "a card in exponent form", `{"id":"c","object":"chat.completion","choices":[{"index":0,"message":{"role":"assistant","content":"ok"},"finish_reason":"stop"}],"x_ref":4.539148803436467e15}`, [CARD_DIGITS], { marker: false });
add("chat", true, "tool calls", "two interleaved tool calls", chat.stream(chars(JSON.stringify({ to: EMAIL })).flatMap((piece) => [0, 1].map((index) => ({ tool_calls: [{ index, function: { arguments: piece } }] }))), "tool_calls"), [EMAIL]);
add("chat", true, "unknown field", "an unknown delta field split", chat.stream([...split(`ref ${IBAN}`, 6).map((x_note) => ({ x_note })), { content: "ok" }]), [IBAN]);
add("chat", true, "unknown field", "an unknown nested delta object split", chat.stream(split(`mail ${EMAIL}`, 4).map((text) => ({ x_extra: { detail: { text } } }))), [EMAIL]);
add("chat", true, "annotations", "annotations in a delta", chat.stream([{ content: "see [1]" }, { annotations: [{ type: "url_citation", url_citation: { url: `mailto:${EMAIL}`, title: `${PHONE}`, start_index: 4, end_index: 7 } }] }]), [EMAIL, PHONE]);
add("chat", true, "logprobs", "chunk logprobs spelling a split address", chat.stream(["mail", " zoe", ".", "quill", "@", "example", ".org"].map((token) => chat.chunk({ content: token }, {}, { logprobs: { content: [{ token, logprob: -0.1, bytes: [...Buffer.from(token)], top_logprobs: [{ token, logprob: -0.1, bytes: [...Buffer.from(token)] }] }], refusal: null } }))), [EMAIL]);
add("chat", true, "refusal", "delta.refusal split", chat.stream(split(`no: ${SSN}`, 3).map((refusal) => ({ refusal }))), [SSN]);
add("chat", true, "unknown field", "a chunk-level unknown string", chat.stream([chat.chunk({ content: "hi" }, { x_debug: `key ${KEY}` })]), [KEY]);
add("chat", true, "escapes", "a literal \\u0040 escape in content", chat.stream(split(`write ${escapedEmail}`, 4).map((content) => ({ content }))), [EMAIL]);
// An escape a reader decodes, cut where one delta ends and the next begins: nothing before it may go out.
for (const [first, second] of [["mail zoe.quill&#6", "4;example.org"], ["mail zoe.quill&#x4", "0;example.org"], ["mail zoe.quill%4", "0example.org"], ["mail zoe.quill\\x4", "0example.org"], ["mail zoe.quill\\u{4", "0}example.org"], ["mail zoe.quill&", "#64;example.org"]]) {
  add("chat", true, "escapes", `an escape cut between deltas (${first.slice(14)} | ${second.slice(0, 3)})`, chat.stream([{ content: first }, { content: second }]), [EMAIL]);
}
add("responses", true, "escapes", "an HTML reference cut between output_text deltas", responses.stream(responses.textEvents(["mail zoe.quill&#", "64;example.org"])), [EMAIL]);
add("anthropic", true, "escapes", "a percent-escape cut between text deltas", anthropic.stream(anthropic.block(0, { type: "text", text: "" }, "text_delta", "text", ["mail zoe.quill%", "40example.org"])), [EMAIL]);
add("chat", true, "escapes", "an @ written as a JSON escape of the event's data", `data: {"id":"c","object":"chat.completion.chunk","choices":[{"index":0,"delta":{"content":"write ${escapedEmail}"},"finish_reason":null}]}\n\n${sse.data("[DONE]")}`, [EMAIL]);
add("chat", true, "context", "an AWS secret 40 spaces after its name, one character per delta", chat.stream(chars(AWS_LINE).map((content) => ({ content }))), [AWS_SECRET]);
add("chat", true, "context", "an AWS secret 40 spaces after its name, name and value in separate deltas", chat.stream([{ content: "aws_secret_access_key =" }, ...Array.from({ length: 40 }, () => ({ content: " " })), { content: AWS_SECRET }]), [AWS_SECRET]);
add("chat", true, "sse lines", "a comment line", `: ${EMAIL}\n\n${chat.stream([{ content: "ok" }])}`, [EMAIL]);
add("chat", true, "sse lines", "an id line and an unknown field", `id: ${EMAIL}\nx-note: ${PHONE}\n${chat.stream([{ content: "ok" }])}`, [EMAIL, PHONE]);
add("chat", true, "sse lines", "an event name", `event: ${EMAIL}\ndata: {"choices":[]}\n\n${chat.stream([{ content: "ok" }])}`, [EMAIL]);
add("chat", true, "unknown events", "non-JSON data split across events", `${split(EMAIL, 3).map((piece) => sse.data(piece)).join("")}${chat.stream([{ content: "ok" }])}`, [EMAIL]);
add("chat", true, "unknown events", "an unknown JSON shape split across events", `${split(`to ${EMAIL}`, 4).map((piece) => sse.named("debug", { text: piece })).join("")}${chat.stream([{ content: "ok" }])}`, [EMAIL]);
// A reader joins an event's data lines with a line break: a value cut over two lines (text, or a raw break inside a JSON string) is read joined.
// (Refused: the break is no part of the value, so it cannot be masked where it stands; card groups on lines of their own are masked.)
add("chat", true, "multi-line data", "text data cut over two data lines", `data: zoe.quill@\ndata: example.org\n\n${chat.stream([{ content: "ok" }])}`, [EMAIL], { refused: true });
add("chat", true, "multi-line data", "a JSON string cut over two data lines (invalid JSON: text)", `data: {"choices":[{"index":0,"delta":{"content":"zoe.quill@\ndata: example.org"}}]}\n\n${sse.data("[DONE]")}`, [EMAIL], { refused: true });
add("anthropic", true, "multi-line data", "a card cut inside a group over two data lines of an unknown event", `${anthropic.stream([])}event: x_note\ndata: 4539 1488 03\ndata: 43 6467\n\n`, [CARD], { refused: true });
add("anthropic", true, "multi-line data", "card groups on data lines of their own", `${anthropic.stream([])}event: x_note\ndata: 4539 1488\ndata: 0343 6467\n\n`, [CARD]);
add("chat", true, "multi-line data", "JSON data over several data lines", `data: {"id":"c","object":"chat.completion.chunk",\ndata: "choices":[{"index":0,"delta":{"content":"${EMAIL}"}}]}\n\n${sse.data("[DONE]")}`, [EMAIL]);
add("chat", true, "duplicate keys", "a delta value in the first of two duplicate keys", `data: {"id":"c","object":"chat.completion.chunk","choices":[{"index":0,"delta":{"content":"${EMAIL}","content":"ok"},"finish_reason":null}]}\n\n${sse.data("[DONE]")}`, [EMAIL]);
add("chat", true, "chunking", "one byte per network chunk", chat.stream(split(text(EMAIL), 4).map((content) => ({ content }))), [EMAIL], { chunkBytes: 1 });
add("chat", true, "chunking", "CRLF line ends", chat.stream(split(text(EMAIL), 4).map((content) => ({ content }))).replaceAll("\n", "\r\n"), [EMAIL]);
add("chat", true, "chunking", "CR line ends", chat.stream(split(text(EMAIL), 4).map((content) => ({ content }))).replaceAll("\n", "\r"), [EMAIL]);
add("chat", true, "charset", "an SSE stream after a UTF-8 BOM", `\uFEFF${chat.stream(split(text(EMAIL), 3).map((content) => ({ content })))}`, [EMAIL]);
add("chat", true, "no end", "a stream cut before finish and [DONE]", split(text(EMAIL), 4).map((content) => sse.data(chat.chunk({ content }))).join(""), [EMAIL]);

const chatSse = chat.stream(split(text(EMAIL), 6).map((content) => ({ content })));
add("chat", true, "content type", "SSE sent as text/plain", chatSse, [EMAIL], { headers: { "content-type": "text/plain" } });
add("chat", true, "content type", "SSE sent as application/json", chatSse, [EMAIL], { headers: { "content-type": "application/json" } });
add("chat", true, "content type", "SSE sent as application/octet-stream", chatSse, [EMAIL], { headers: { "content-type": "application/octet-stream" } });
add("chat", true, "content type", "SSE sent without a content type", chatSse, [EMAIL], { headers: {} });
add("chat", true, "content type", "SSE starting with a blank line and a comment, as text/plain", `\n: hello\n\n${chatSse}`, [EMAIL], { headers: { "content-type": "text/plain" } });
for (const [encoding, encode] of [["gzip", gzipSync], ["br", brotliCompressSync], ["zstd", zstdCompressSync], ["deflate", deflateSync]] as const) {
  add("chat", true, "encoding", `an SSE stream with content-encoding ${encoding}`, encode(Buffer.from(chatSse)), [EMAIL], { headers: { "content-type": "text/event-stream", "content-encoding": encoding } });
}
add("chat", true, "charset", "an invalid UTF-8 byte mid-stream", Buffer.concat([Buffer.from(chat.stream([{ content: "hello" }]).slice(0, 120)), Buffer.from([0xc3, 0x28]), Buffer.from(`${sse.data(chat.chunk({ content: EMAIL }))}`)]), [EMAIL], { refused: true });
add("chat", true, "headers", "a value in a stream's header", chatSse, [EMAIL, KEY], { headers: { "content-type": "text/event-stream", "x-request-note": KEY } });
// A header's name cannot be rewritten: one holding a value is dropped.
for (const [what, name, secret] of [["a card", `x-${CARD_DIGITS}`, CARD_DIGITS], ["an SSN", `x-${SSN}`, SSN], ["a national phone number", "x-415-555-0133", US_PHONE], ["an address", "x-10.20.30.40", "10.20.30.40"]]) {
  add("chat", false, "headers", `${what} in a response header's name`, chat.whole({ content: "ok" }), [secret], { headers: { "content-type": "application/json", [name]: "1" }, marker: false });
  add("anthropic", true, "headers", `${what} in a stream header's name`, anthropic.stream(anthropic.block(0, { type: "text", text: "" }, "text_delta", "text", ["ok"])), [secret], { headers: { "content-type": "text/event-stream", [name]: "1" }, marker: false });
}

// Binary parts (media as base64, a media body): refused unless the policy says binary: allow.
const media = Buffer.concat([Buffer.from("RIFF\x00\x00\x00\x00WAVEfmt ", "latin1"), Buffer.alloc(600, 0xa5)]).toString("base64");
const mp3 = Buffer.concat([Buffer.from("ID3\x04\x00\x00", "latin1"), Buffer.alloc(2000, 0xe7)]);
for (const allowBinary of [false, true]) {
  const under = allowBinary ? " (binary: allow)" : "";
  add("chat", false, "binary", `audio data as base64 beside its transcript${under}`, chat.whole({ audio: { id: "a", data: media, expires_at: 1, transcript: `say ${SSN}` } }), [SSN], { refused: !allowBinary, allowBinary });
  add("chat", true, "binary", `audio data chunks in a stream${under}`, chat.stream([{ audio: { id: "a" } }, ...split(media, 3).map((data) => ({ audio: { data } })), ...split(`say ${SSN}`, 3).map((transcript) => ({ audio: { transcript } }))]), [SSN], { refused: !allowBinary, allowBinary });
  add("responses", false, "binary", `an image generation result${under}`, responses.whole([{ id: "ig", type: "image_generation_call", status: "completed", result: media, revised_prompt: `portrait of ${EMAIL}` }]), [EMAIL], { refused: !allowBinary, allowBinary });
  add("responses", true, "binary", `audio deltas${under}`, responses.stream([...split(media, 3).map((delta): [string, Json] => ["response.audio.delta", { delta }]), ...split(`say ${PHONE}`, 3).map((delta): [string, Json] => ["response.audio.transcript.delta", { delta }])]), [PHONE], { refused: !allowBinary, allowBinary });
  add("chat", false, "binary", `a speech body (audio/mpeg)${under}`, mp3, [], { refused: !allowBinary, allowBinary, headers: { "content-type": "audio/mpeg" } });
}
// Base64 a reader decodes out of joined pieces (audio data, partial images, a data: URL in text):
// read joined as it grows; text holding a value is refused (it cannot be masked where it is split),
// binary is a binary part however small its pieces; under binary: allow, a part's printable runs are
// read too (text behind a media signature, a value inside a file).
const audioIn = (payload: string, size: number) => chat.stream([{ audio: { id: "a" } }, ...split(payload, Math.ceil(payload.length / size)).map((data) => ({ audio: { data } }))]);
const wavWith = (text: string) => Buffer.concat([Buffer.from("RIFF\x00\x00\x00\x00WAVEfmt ", "latin1"), Buffer.alloc(300, 0xa5), Buffer.from(text), Buffer.alloc(50, 0xa5)]);
add("chat", true, "base64", "audio data of text split into small deltas", audioIn(base64Of(`hello ${EMAIL} bye`), 6), [EMAIL], { refused: true });
add("chat", true, "binary", "audio data of a WAV file split into deltas under 256 characters", audioIn(media, 40), [], { refused: true });
add("chat", true, "binary", "audio data in deltas cut off the 4-character grid (binary: allow), text inside", audioIn(base64Of(wavWith(` ${EMAIL} `)), 257), [EMAIL], { refused: true, allowBinary: true });
add("responses", true, "base64", "audio deltas of text in small pieces", responses.stream(split(base64Of(`say ${PHONE} now`), 5).map((delta): [string, Json] => ["response.audio.delta", { delta }])), [PHONE], { refused: true });
add("chat", false, "base64", "a data: URL inside the content", chat.whole({ content: `see [file](data:text/plain;base64,${base64Of(`mail ${EMAIL}`)}) ok` }), [EMAIL], { refused: true });
add("chat", true, "base64", "a data: URL inside the content, one character per delta", chat.stream(chars(`x data:text/html;base64,${base64Of(`<p>${EMAIL}</p>`)} y`).map((content) => ({ content }))), [EMAIL], { refused: true });
add("anthropic", true, "base64", "base64 of text split over text deltas", anthropic.stream(anthropic.block(0, { type: "text", text: "" }, "text_delta", "text", split(`blob:${base64Of(`card ${CARD}`)}`, 4))), [CARD], { refused: true });
add("chat", false, "base64", "base64 text split over two content parts", chat.whole({ content: [{ type: "text", text: base64Of(`mail ${EMAIL}`).slice(0, 10) }, { type: "text", text: base64Of(`mail ${EMAIL}`).slice(10) }] }), [EMAIL], { refused: true });
add("chat", false, "binary", "a media signature before JSON text (binary: allow)", Buffer.concat([Buffer.from([0xff, 0xfb]), Buffer.from(plainChat)]), [EMAIL], { refused: true, allowBinary: true });
add("chat", false, "binary", "a value inside a WAV file as base64 (binary: allow)", chat.whole({ audio: { id: "a", data: base64Of(wavWith(` ${EMAIL} `)), expires_at: 1, transcript: "hi" } }), [EMAIL], { refused: true, allowBinary: true });
add("responses", false, "binary", "encrypted reasoning content is an opaque token, not media", responses.whole([{ id: "rs", type: "reasoning", summary: [{ type: "summary_text", text: `about ${EMAIL}` }], encrypted_content: media }, responses.message("ok")]), [EMAIL]);
add("anthropic", false, "binary", "a redacted thinking block is an opaque token, not media", anthropic.whole([{ type: "redacted_thinking", data: media }, { type: "text", text: `for ${EMAIL}` }]), [EMAIL]);
add("anthropic", true, "binary", "a redacted thinking block in a stream", anthropic.stream([["content_block_start", { index: 0, content_block: { type: "redacted_thinking", data: media } }], ["content_block_stop", { index: 0 }], ...anthropic.block(1, { type: "text", text: "" }, "text_delta", "text", split(`for ${EMAIL}`, 3))]), [EMAIL]);
add("chat", false, "binary", "bytes that are no media and not UTF-8, under binary: allow", Buffer.concat([Buffer.from(plainChat.slice(0, 30)), Buffer.from([0xff, 0xfe]), Buffer.from(plainChat.slice(30))]), [EMAIL], { refused: true, allowBinary: true });

// ── OpenAI Responses API, whole ───────────────────────────────────────────────────────────────
add("responses", false, "known field", "output_text", responses.whole([responses.message(text(EMAIL))]), [EMAIL]);
add("responses", false, "reasoning", "reasoning summary", responses.whole([{ id: "rs_1", type: "reasoning", summary: [{ type: "summary_text", text: `uses ${PHONE}` }] }, responses.message("ok")]), [PHONE]);
add("responses", false, "reasoning", "reasoning content (reasoning_text)", responses.whole([{ id: "rs_1", type: "reasoning", summary: [], content: [{ type: "reasoning_text", text: `card ${CARD}` }] }]), [CARD]);
add("responses", false, "annotations", "output_text annotations", responses.whole([responses.message("see [1]", { annotations: [{ type: "url_citation", url: `https://x.test/?u=${EMAIL}`, title: `SSN ${SSN}`, start_index: 4, end_index: 7 }] })]), [EMAIL, SSN]);
add("responses", false, "logprobs", "output_text logprobs spelling the address", responses.whole([responses.message(`mail ${EMAIL}`, { logprobs: ["mail", " zoe", ".", "quill", "@", "example", ".org"].map((token) => ({ token, logprob: -0.1, bytes: [...Buffer.from(token)], top_logprobs: [{ token, logprob: -0.1, bytes: [...Buffer.from(token)] }] })) })]), [EMAIL]);
add("responses", false, "unknown field", "an unknown output item type", responses.whole([{ id: "x_1", type: "audio_call", transcript: `say ${SSN}`, result: { spoken: EMAIL } }]), [SSN, EMAIL]);
add("responses", false, "json in string", "function call arguments with an escape", responses.whole([{ id: "fc_1", type: "function_call", call_id: "c1", name: "send", arguments: `{"to":"${escapedEmail}"}`, status: "completed" }]), [EMAIL]);
add("responses", false, "unknown field", "custom tool call input", responses.whole([{ id: "ct_1", type: "custom_tool_call", call_id: "c1", name: "shell", input: `echo ${KEY}` }]), [KEY]);
add("responses", false, "unknown field", "web search call with results", responses.whole([{ id: "ws_1", type: "web_search_call", status: "completed", action: { type: "search", query: `who is ${EMAIL}`, sources: [{ type: "url", url: `https://x.test/${PHONE}` }] } }]), [EMAIL, PHONE]);
add("responses", false, "unknown field", "code interpreter call code and outputs", responses.whole([{ id: "ci_1", type: "code_interpreter_call", code: `print("${SSN}")`, outputs: [{ type: "logs", logs: `${SSN}` }] }]), [SSN]);
add("responses", false, "array content", "output text split across two parts", responses.whole([{ id: "msg_ev", type: "message", role: "assistant", content: [{ type: "output_text", text: "mail zoe.quill@", annotations: [] }, { type: "output_text", text: "example.org", annotations: [] }] }]), [EMAIL]);
add("responses", false, "unknown field", "instructions echoed back", responses.whole([responses.message("ok")], { instructions: `Secret is ${KEY}` }), [KEY]);
add("responses", false, "errors", "an error object in the response", responses.whole([], { status: "failed", error: { code: "server_error", message: `failed for ${EMAIL}` } }), [EMAIL]);

// ── OpenAI Responses API, streamed ────────────────────────────────────────────────────────────
add("responses", true, "known field", "output_text deltas one character each", responses.stream(responses.textEvents(chars(text(EMAIL))), [responses.message(text(EMAIL))]), [EMAIL]);
add("responses", true, "reasoning", "reasoning summary deltas", responses.stream([
  ["response.output_item.added", { output_index: 0, item: { id: "rs_1", type: "reasoning", summary: [] } }],
  ...split(`uses ${PHONE} ok`, 5).map((delta): [string, Json] => ["response.reasoning_summary_text.delta", { item_id: "rs_1", output_index: 0, summary_index: 0, delta }]),
  ["response.reasoning_summary_text.done", { item_id: "rs_1", output_index: 0, summary_index: 0, text: `uses ${PHONE} ok` }],
]), [PHONE]);
add("responses", true, "reasoning", "reasoning_text deltas", responses.stream(split(`card ${CARD} ok`, 5).map((delta): [string, Json] => ["response.reasoning_text.delta", { item_id: "rs_1", output_index: 0, content_index: 0, delta }])), [CARD]);
add("responses", true, "audio", "audio transcript deltas (an event type the agent does not name)", responses.stream(split(`number ${SSN} ok`, 4).map((delta): [string, Json] => ["response.audio.transcript.delta", { delta }])), [SSN]);
add("responses", true, "unknown events", "an unknown .delta event type with its .done", responses.stream([
  ...split(`key ${KEY} end`, 6).map((delta): [string, Json] => ["response.x_future.delta", { item_id: "x", output_index: 0, delta }]),
  ["response.x_future.done", { item_id: "x", output_index: 0, value: `key ${KEY} end` }],
]), [KEY]);
add("responses", true, "unknown events", "code interpreter code deltas", responses.stream([
  ...split(`print("${SSN}")`, 4).map((delta): [string, Json] => ["response.code_interpreter_call_code.delta", { item_id: "ci", output_index: 0, delta }]),
  ["response.code_interpreter_call_code.done", { item_id: "ci", output_index: 0, code: `print("${SSN}")` }],
]), [SSN]);
add("responses", true, "json in string", "MCP call argument deltas with an escape", responses.stream([
  ...split(`{"to":"${escapedEmail}"}`, 5).map((delta): [string, Json] => ["response.mcp_call_arguments.delta", { item_id: "mcp", output_index: 0, delta }]),
  ["response.mcp_call_arguments.done", { item_id: "mcp", output_index: 0, arguments: `{"to":"${escapedEmail}"}` }],
]), [EMAIL]);
add("responses", true, "annotations", "an annotation.added event", responses.stream([...responses.textEvents(["see [1]"]), ["response.output_text.annotation.added", { item_id: "msg_ev", output_index: 0, content_index: 0, annotation_index: 0, annotation: { type: "url_citation", url: `mailto:${EMAIL}`, title: KEY } }]]), [EMAIL, KEY]);
add("responses", true, "logprobs", "delta logprobs spelling a split address", responses.stream(responses.textEvents(["mail", " zoe", ".", "quill", "@", "example", ".org"], (token) => ({ logprobs: [{ token, logprob: -0.1, bytes: [...Buffer.from(token)], top_logprobs: [{ token, logprob: -0.1, bytes: [...Buffer.from(token)] }] }] }))), [EMAIL]);
add("responses", true, "unknown field", "a value in output_item.added", responses.stream([["response.output_item.added", { output_index: 0, item: { id: "m", type: "message", role: "assistant", content: [{ type: "output_text", text: `pre ${EMAIL}` }] } }]]), [EMAIL]);
add("responses", true, "unknown field", "a value only in response.completed", responses.stream([], [responses.message(`final ${PHONE}`), { id: "x", type: "x_item", note: SSN }]), [PHONE, SSN]);
add("responses", true, "base64", "a base64 text file in an unknown event", responses.stream([["response.x_file.added", { file: { name: "a.txt", data: base64Of(`key ${KEY}`) } }]]), [KEY]);
add("responses", true, "unknown field", "custom tool call input deltas", responses.stream([
  ...split(`echo ${KEY}`, 4).map((delta): [string, Json] => ["response.custom_tool_call_input.delta", { item_id: "ct", output_index: 0, delta }]),
  ["response.custom_tool_call_input.done", { item_id: "ct", output_index: 0, input: `echo ${KEY}` }],
]), [KEY]);
add("responses", true, "errors", "an error event", responses.stream([["error", { code: "server_error", message: `failed for ${EMAIL}`, param: null }]]), [EMAIL]);
add("responses", true, "unknown events", "deltas never closed by a done event", `${split(text(EMAIL), 5).map((delta) => sse.named("response.output_text.delta", { type: "response.output_text.delta", item_id: "m", output_index: 0, content_index: 0, delta })).join("")}`, [EMAIL]);
add("responses", true, "content type", "a Responses stream sent as application/json", responses.stream(responses.textEvents(split(text(EMAIL), 4))), [EMAIL], { headers: { "content-type": "application/json" } });

// ── Anthropic Messages, whole ─────────────────────────────────────────────────────────────────
add("anthropic", false, "known field", "text block", anthropic.whole([{ type: "text", text: text(EMAIL) }]), [EMAIL]);
add("anthropic", false, "thinking", "thinking block", anthropic.whole([{ type: "thinking", thinking: `user is ${EMAIL}`, signature: "sig" }, { type: "text", text: "ok" }]), [EMAIL]);
add("anthropic", false, "citations", "citations in a text block", anthropic.whole([{ type: "text", text: "per the doc", citations: [{ type: "char_location", cited_text: `SSN ${SSN}`, document_index: 0, document_title: `Card ${CARD}`, start_char_index: 0, end_char_index: 10 }] }]), [SSN, CARD]);
add("anthropic", false, "array content", "a value split across two text blocks", anthropic.whole([{ type: "text", text: "mail zoe.quill@" }, { type: "text", text: "example.org" }]), [EMAIL]);
add("anthropic", false, "tool use", "tool_use input with a number and a key", anthropic.whole([{ type: "tool_use", id: "tu", name: "pay", input: { card: Number(CARD_DIGITS), [EMAIL]: true } }]), [CARD_DIGITS, EMAIL]);
add("anthropic", false, "unknown field", "server tool use and web search results", anthropic.whole([
  { type: "server_tool_use", id: "st", name: "web_search", input: { query: `find ${PHONE}` } },
  { type: "web_search_tool_result", tool_use_id: "st", content: [{ type: "web_search_result", url: "https://x.test", title: `About ${EMAIL}`, encrypted_content: "abc", page_age: null }] },
]), [PHONE, EMAIL]);
add("anthropic", false, "unknown field", "an unknown block type", anthropic.whole([{ type: "x_future_block", body: { lines: [`key ${KEY}`] } }]), [KEY]);
add("anthropic", false, "unknown field", "a top-level unknown field", anthropic.whole([{ type: "text", text: "ok" }], { container: { id: "c", note: IBAN } }), [IBAN]);
add("anthropic", false, "errors", "an error body", { type: "error", error: { type: "invalid_request_error", message: `bad ${EMAIL}` } }, [EMAIL], { status: 400 });
add("anthropic", false, "encoding", "gzip", gzipSync(Buffer.from(JSON.stringify(anthropic.whole([{ type: "text", text: text(EMAIL) }])))), [EMAIL], { headers: { "content-type": "application/json", "content-encoding": "gzip" } });
add("anthropic", false, "json in string", "a tool_use input string holding escaped JSON", anthropic.whole([{ type: "tool_use", id: "tu", name: "send", input: { payload: `{"to":"${escapedEmail}"}` } }]), [EMAIL]);

// ── Anthropic Messages, streamed ──────────────────────────────────────────────────────────────
add("anthropic", true, "known field", "text deltas one character each", anthropic.stream(anthropic.block(0, { type: "text", text: "" }, "text_delta", "text", chars(text(EMAIL)))), [EMAIL]);
add("anthropic", true, "thinking", "thinking deltas", anthropic.stream([...anthropic.block(0, { type: "thinking", thinking: "" }, "thinking_delta", "thinking", split(`user ${EMAIL} asks`, 6)), ...anthropic.block(1, { type: "text", text: "" }, "text_delta", "text", ["ok"])]), [EMAIL]);
add("anthropic", true, "citations", "citations_delta", anthropic.stream([
  ["content_block_start", { index: 0, content_block: { type: "text", text: "", citations: [] } }],
  ["content_block_delta", { index: 0, delta: { type: "citations_delta", citation: { type: "char_location", cited_text: `SSN ${SSN}`, document_index: 0, document_title: EMAIL, start_char_index: 0, end_char_index: 3 } } }],
  ["content_block_delta", { index: 0, delta: { type: "text_delta", text: "per doc" } }],
  ["content_block_stop", { index: 0 }],
]), [SSN, EMAIL]);
add("anthropic", true, "tool use", "input_json_delta with an escape cut in the middle", anthropic.stream(anthropic.block(0, { type: "tool_use", id: "tu", name: "send", input: {} }, "input_json_delta", "partial_json", ['{"to":"zoe.quill\\u00', '40example.org"}'])), [EMAIL]);
add("anthropic", true, "numbers", "input_json_delta with a card number split", anthropic.stream(anthropic.block(0, { type: "tool_use", id: "tu", name: "pay", input: {} }, "input_json_delta", "partial_json", split(`{"card": ${CARD_DIGITS}}`, 5))), [CARD_DIGITS], { marker: false });
add("anthropic", true, "unknown field", "a value in content_block_start of a server tool", anthropic.stream([
  ["content_block_start", { index: 0, content_block: { type: "server_tool_use", id: "st", name: "web_search", input: { query: `find ${PHONE}` } } }],
  ["content_block_stop", { index: 0 }],
  ["content_block_start", { index: 1, content_block: { type: "web_search_tool_result", tool_use_id: "st", content: [{ type: "web_search_result", url: "https://x.test", title: `About ${EMAIL}` }] } }],
  ["content_block_stop", { index: 1 }],
]), [PHONE, EMAIL]);
add("anthropic", true, "unknown events", "an unknown delta type split", anthropic.stream(anthropic.block(0, { type: "x_block" }, "x_future_delta", "value", split(`key ${KEY} end`, 5))), [KEY]);
add("anthropic", true, "unknown events", "an unknown event type split", anthropic.stream(split(`ref ${IBAN}`, 4).map((note): [string, Json] => ["x_annotation", { note }])), [IBAN]);
add("anthropic", true, "unknown field", "a value in message_start content", anthropic.stream(anthropic.block(1, { type: "text", text: "" }, "text_delta", "text", ["ok"]), { content: [{ type: "text", text: `prefill ${EMAIL}` }] }), [EMAIL]);
add("anthropic", true, "unknown field", "a value in message_delta", `${anthropic.stream(anthropic.block(0, { type: "text", text: "" }, "text_delta", "text", ["ok"])).replace('"stop_sequence":null},"usage"', `"stop_sequence":null,"x_note":"${SSN}"},"usage"`)}`, [SSN]);
add("anthropic", true, "known field", "text in content_block_start and deltas", anthropic.stream(anthropic.block(0, { type: "text", text: "mail zoe." }, "text_delta", "text", ["quill@exa", "mple.org"])), [EMAIL]);
add("anthropic", true, "errors", "an error event", anthropic.stream([["error", { error: { type: "overloaded_error", message: `busy for ${EMAIL}` } }]]), [EMAIL]);
add("anthropic", true, "interleaving", "a value split across two text blocks", anthropic.stream([...anthropic.block(0, { type: "text", text: "" }, "text_delta", "text", ["mail zoe.quill@"]), ...anthropic.block(1, { type: "text", text: "" }, "text_delta", "text", ["example.org"])]), [EMAIL]);
add("anthropic", true, "content type", "an Anthropic stream sent as text/plain", anthropic.stream(anthropic.block(0, { type: "text", text: "" }, "text_delta", "text", split(text(EMAIL), 4))), [EMAIL], { headers: { "content-type": "text/plain" } });
add("anthropic", true, "charset", "an invalid UTF-8 byte in an event", Buffer.concat([Buffer.from(anthropic.stream(anthropic.block(0, { type: "text", text: "" }, "text_delta", "text", ["ok"])).slice(0, 200)), Buffer.from([0xed, 0xa0, 0x80]), Buffer.from(sse.named("content_block_delta", { type: "content_block_delta", index: 0, delta: { type: "text_delta", text: EMAIL } }))]), [EMAIL], { refused: true });

/** The base64 media the binary cases carry. */
export const MEDIA = media;

/** Every case, in order. */
export const REPLY_CASES: readonly ReplyCase[] = [...cases, ...ENCODING_CASES, ...READER_CASES, ...ELSEWHERE_CASES];
