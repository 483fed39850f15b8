// The request-side evasion corpus, second part: the classes issue 12's red team got through, each as
// a family of variants rather than one reproducer — text joined over neighbouring strings whatever
// each boundary reads as (nothing or a space) and whatever sits between (keys, label fields), JSON
// carried in strings (padded, escaped, not strict; JSON lines files and bodies), and numbers and
// keys that must stay what they are.
import { API_KEY, CARD, caseList, chat, claude, EMAIL, json, KEYWORD, multipart, parts, PHONE, upload, type RequestCase } from "./request-values.js";

const { cases, add } = caseList();
const messages = (...texts: string[]) => json({ model: "m", messages: texts.map((content) => ({ role: "user", content })) });

// 1. Joined reading: each boundary between neighbouring strings read as nothing and as a space, in
// every mix, with neighbouring text on either side.
const keywordSplits: Record<string, string[]> = {
  "a word before, the keyword's word split": ["tell me about the", "project", "night", "ingale"],
  "a word after": ["project night", "ingale", "is a bird"],
  "words on both sides": ["about", "project night", "ingale", "now"],
  "space needed at two boundaries": ["about", "project", "nightin", "gale", "today"],
  "one character per part after a word": ["about", ..."project", ..."nightingale", "today"],
  "phrase words in their own parts": ["about", "project", "nightingale", "today"],
  "split inside both words": ["proj", "ect nigh", "tingale"],
};
for (const [name, texts] of Object.entries(keywordSplits)) {
  add("split keyword with neighbours", `${name} (parts)`, "openai", chat(parts(...texts)), [], "denied");
  add("split keyword with neighbours", `${name} (messages)`, "openai", messages(...texts), [], "denied");
}
add("split keyword with neighbours", "Anthropic blocks", "claude", claude(parts("about the", "project", "nightin", "gale")), [], "denied");

const cardSplits: Record<string, string[]> = {
  "at the group separator": ["4111 1111", "1111 1111"],
  "at the dash separator": ["4111-1111", "1111-1111"],
  "every group in its own part": ["4111", "1111", "1111", "1111"],
  "a group split and a separator dropped": ["card 4111 1111 11", "11", "1111 ok"],
  "two groups split, separators dropped": ["41", "11", "1111", "1111", "1111"],
  "with words around": ["card", "4111 1111", "1111 1111", "exp 12/29"],
};
for (const [name, texts] of Object.entries(cardSplits)) {
  add("split value with neighbours", `card ${name} (parts)`, "openai", chat(parts(...texts)), [CARD]);
  add("split value with neighbours", `card ${name} (messages)`, "openai", messages(...texts), [CARD]);
}
// Secrets of letters only: no digit or "@" in any part, the required text ("AKIA", "xox") only across parts.
const AWS_ID = "AKIAQWERTYUIOPASDFGH";
const letterSplits: Record<string, string[]> = {
  "AWS key id, the prefix split": ["the id is AK", "IAQWERTYUIOPASDFGH here"],
  "AWS key id, the prefix split with markdown": ["the id is AK*", "*IAQWERTYUIOPASDFGH here"],
  "AWS key id, one character per part": ["the id is ", ...AWS_ID, " here"],
  "AWS key id, one character per part, alone": [...AWS_ID],
  "Slack token, the prefix split": ["token xo", "xb-abcdefghijklmnop"],
};
for (const [name, texts] of Object.entries(letterSplits)) {
  const secret = name.startsWith("Slack") ? "xoxb-abcdefghijklmnop" : AWS_ID;
  add("split value with neighbours", `${name} (parts)`, "openai", chat(parts(...texts)), [secret]);
  add("split value with neighbours", `${name} (messages)`, "openai", messages(...texts), [secret]);
}
add("split value with neighbours", "phone at its separators", "openai", chat(parts("call 415", "555", "0133 tonight")), [PHONE]);
add("split value with neighbours", "phone, national form", "openai", messages("(415)", "555-0133"), [PHONE]);
add("split value with neighbours", "email with words around", "openai", chat(parts("mail", "jane.doe@", "example.com", "now")), [EMAIL]);
add("split value with neighbours", "API key over parts", "openai", chat(parts("key", API_KEY.slice(0, 20), API_KEY.slice(20))), [API_KEY]);

// 2. Keys and label fields are read with their neighbours too.
add("split over keys and labels", "email over a key and its value", "openai", chat("hi", { metadata: { "jane.doe@": "example.com" } }), [EMAIL]);
add("split over keys and labels", "email over two keys", "openai", chat("hi", { metadata: { "jane.doe": 1, "@example.com": 2 } }), [EMAIL]);
add("split over keys and labels", "email over an id label and content", "openai", json({ model: "m", messages: [{ role: "user", id: "jane.doe@", content: "example.com" }] }), [EMAIL]);
add("split over keys and labels", "email over text and a type label", "openai", json({ model: "m", messages: [{ role: "user", content: [{ type: "text", text: "jane.doe" }, { type: "@example.com", text: "" }] }] }), [EMAIL]);
add("split over keys and labels", "card over a name and content", "openai", json({ model: "m", messages: [{ role: "user", name: "4111 1111", content: "1111 1111" }] }), [CARD]);
add("split over keys and labels", "keyword over a key and its value", "openai", chat("hi", { metadata: { "project night": "ingale" } }), [], "denied");
add("split over keys and labels", "keyword over the model and content", "openai", json({ model: "project night", messages: [{ role: "user", content: "ingale" }] }), [], "denied");
add("split over keys and labels", "keyword over the model and a content part", "openai", json({ model: "project night", messages: [{ role: "user", content: [{ type: "text", text: "ingale" }] }] }), [], "denied");
add("split over keys and labels", "keyword over type labels", "openai", chat("hi", { m: [{ type: "project night" }, { type: "ingale" }] }), [], "denied");
add("split over keys and labels", "keyword over status and an _id", "openai", chat("hi", { m: { status: "project nighting", x_id: "ale" } }), [], "denied");
add("split over keys and labels", "keyword over an id label and content", "openai", json({ model: "m", messages: [{ role: "user", id: "project nightin", content: "gale" }] }), [], "denied");
add("split over keys and labels", "keyword over a tool name and its arguments", "openai", json({ model: "m", messages: [{ role: "assistant", tool_calls: [{ id: "c1", type: "function", function: { name: "project_nighti", arguments: '{"x":"ngale"}' } }] }] }), [], "denied");
// A secret of letters only over a key and its value: neither end alone holds its required text ("AKIA", "xox").
add("split over keys and labels", "letters-only AWS key id over a key and its value", "openai", chat("hi", { metadata: { AK: "IAQWERTYUIOPASDFGH" } }), ["AKIAQWERTYUIOPASDFGH"]);
add("split over keys and labels", "letters-only Slack token over a key and its value", "openai", chat("hi", { metadata: { xo: "xb-abcdefghijklmnop" } }), ["xoxb-abcdefghijklmnop"]);
add("split over keys and labels", "letters-only AWS key id over an id label and content", "openai", json({ model: "m", messages: [{ role: "user", id: "the AKI", content: "AQWERTYUIOPASDFGH" }] }), ["AKIAQWERTYUIOPASDFGH"]);
add("split over keys and labels", "two e-mail keys in one object (distinct markers)", "openai", chat("hi", { metadata: { "ann@example.com": "owner", "bob@example.com": "reviewer" } }), ["ann@example.com", "bob@example.com"]);
add("split over keys and labels", "two e-mail properties of a tool schema", "openai", json({ model: "m", messages: [], tools: [{ type: "function", function: { name: "f", parameters: { type: "object", properties: { "ann@example.com": { type: "string" }, "bob@example.com": { type: "string" } } } } }] }), ["ann@example.com", "bob@example.com"]);

// 3. JSON carried in strings: padded, escaped, not strict; JSONL files and bodies.
const argsCall = (args: string) => json({ model: "m", messages: [{ role: "assistant", tool_calls: [{ id: "c1", type: "function", function: { name: "f", arguments: args } }] }] });
add("JSON in strings", "arguments with a leading space and an escaped @", "openai", argsCall(' {"to":"jane.doe\\u0040example.com"}'), [EMAIL]);
add("JSON in strings", "arguments with trailing whitespace and newlines", "openai", argsCall('{\n  "to": "jane.doe\\u0040example.com"\n}\n  '), [EMAIL]);
add("JSON in strings", "arguments with NaN and an escaped keyword", "openai", argsCall('{"q":"project night\\u0069ngale","n":NaN}'), [], "denied");
add("JSON in strings", "arguments with a trailing comma and an escaped @", "openai", argsCall('{"to":"jane.doe\\u0040example.com",}'), [EMAIL]);
add("JSON in strings", "arguments with single quotes", "openai", argsCall("{'to': 'jane.doe\\u0040example.com'}"), [EMAIL]);
add("JSON in strings", "escaped card digits in arguments", "openai", argsCall('{"card":"\\u0034111 1111 1111 1111"}'), [CARD]);
add("JSON in strings", "JSON in a string inside JSON in a string", "openai", argsCall(json({ inner: ' {"to":"jane.doe\\u0040example.com"}' })), [EMAIL]);
const batchLine = (content: string) => `{"custom_id":"1","method":"POST","url":"/v1/chat/completions","body":{"model":"m","messages":[{"role":"user","content":"${content}"}]}}`;
add("JSONL", "batch file with an escaped @", "openai", multipart({ name: "purpose", data: "batch" }, { name: "file", filename: "b.jsonl", type: "application/jsonl", data: `${batchLine("mail jane.doe\\u0040example.com")}\n${batchLine("card 4111 1111 1111 1111")}\n` }), [EMAIL, CARD], "forwarded", { path: "/v1/files", headers: upload });
add("JSONL", "batch file with a keyword escaped", "openai", multipart({ name: "purpose", data: "batch" }, { name: "file", filename: "b.jsonl", type: "application/octet-stream", data: `${batchLine("ok")}\n${batchLine("about project night\\u0069ngale")}\n` }), [], "denied", { path: "/v1/files", headers: upload });
add("JSONL", "JSON file part with an escaped @", "openai", multipart({ name: "purpose", data: "assistants" }, { name: "file", filename: "a.json", type: "application/json", data: '{"note":"mail jane.doe\\u0040example.com"}' }), [EMAIL], "forwarded", { path: "/v1/files", headers: upload });
add("JSONL", "value split over two content parts of a batch line", "openai", multipart({ name: "purpose", data: "batch" }, { name: "file", filename: "b.jsonl", data: `${batchLine("ok")}\n{"custom_id":"2","body":{"messages":[{"role":"user","content":[{"type":"text","text":"mail jane.doe@exa"},{"type":"text","text":"mple.com"}]}]}}\n` }), [EMAIL], "forwarded", { path: "/v1/files", headers: upload });
add("JSONL", "NDJSON body on the generic connection", "plain", `{"prompt":"mail ${EMAIL}"}\n{"prompt":"card ${CARD}"}\n`, [EMAIL, CARD], "forwarded", { headers: { "content-type": "application/x-ndjson" } });
add("JSONL", "unlabelled JSON lines on the generic connection", "plain", `{"prompt":"hi"}\r\n{"prompt":"mail jane.doe\\u0040example.com"}`, [EMAIL], "forwarded", { headers: {} });
add("JSONL", "keyword on a later NDJSON line", "plain", `{"prompt":"hi"}\n{"prompt":"about ${KEYWORD}"}\n`, [], "denied", { headers: { "content-type": "application/x-ndjson" } });
add("JSONL", "duplicate key on an NDJSON line", "plain", `{"a":1}\n{"a":"x","a":"${EMAIL}"}\n`, [], "refused", { headers: { "content-type": "application/x-ndjson" } });

// 4. Numbers stay numbers (the provider rejects a string where it takes a number); their digits are masked.
add("numbers", "phone-like seed", "openai", chat("hi", { seed: 6502530000 }), ["650-253-0000"]);
add("numbers", "card as a number in metadata", "openai", chat("hi", { n: 4111111111111111 }), [CARD]);
add("numbers", "card as a logit_bias key", "openai", chat("hi", { logit_bias: { "4111111111111111": 1 } }), [CARD]);

/** The cases of this part. */
export const READING_CASES: readonly RequestCase[] = cases;
