// The request-side evasion corpus: crafted requests, each trying one way past a mask policy (email,
// phone, payment card, SSN, API key) or a deny keyword ("project nightingale"), over every class the
// agent must close: values and keywords split over parts and messages, fields the agent does not
// know by name, bodies of the other provider's shape, query, path and headers, look-alike
// characters, escapes, compression, charsets, ambiguous JSON, body types and multipart uploads.
// Each case says what must happen: forwarded with no secret readable upstream, refused as
// uninspectable (400/413/415), or denied by the keyword policy (403).
import { brotliCompressSync, deflateRawSync, deflateSync, gzipSync, zstdCompressSync } from "node:zlib";
import { API_KEY, CARD, CHAT, caseList, chat, claude, EMAIL, json, KEYWORD, multipart, parts, PHONE, SSN, upload, type RequestCase } from "./request-values.js";
import { READING_CASES } from "./request-readings.js";
import { SPELLING_CASES } from "./request-spellings.js";

export { API_KEY, CARD, EMAIL, KEYWORD, PHONE, SSN, type Connection, type Outcome, type RequestCase } from "./request-values.js";

// Invisible smuggling: Unicode tag characters spelling ASCII, and bytes as variation selectors after an emoji.
const tags = (ascii: string) => [...ascii].map((char) => String.fromCodePoint(0xe0000 + char.charCodeAt(0))).join("");
const selectors = (text: string) => `😀${[...Buffer.from(text)].map((byte) => String.fromCodePoint(byte < 16 ? 0xfe00 + byte : 0xe0100 + byte - 16)).join("")}`;

const { cases, add } = caseList();

// 1. Look-alike forms of each value, in a plain chat message: found as what they read as.
const emailForms: Record<string, string> = {
  plain: EMAIL,
  "upper case": EMAIL.toUpperCase(),
  "full-width": "ｊａｎｅ．ｄｏｅ＠ｅｘａｍｐｌｅ．ｃｏｍ",
  "full-width at sign": "jane.doe＠example.com",
  "zero-width space inside": "jane.d\u200boe@exa\u200bmple.com",
  "zero-width joiner and word joiner": "jane\u200d.doe@example\u2060.com",
  "soft hyphen inside": "jane.\u00addoe@ex\u00adample.com",
  "bidi controls inside": "jane.doe\u202e@\u202cexample.com",
  "variation selector inside": "jane.doe\ufe0f@example.com",
  "tag characters inside": "jane.doe@\u{e0061}example.com",
  "combining mark inside": "jane.doe@exa\u0301mple.com",
  "percent-encoded at sign": "jane.doe%40example.com",
  "percent-encoded in a mailto URL": "mailto:jane.doe%40example%2Ecom",
  "percent-encoded full-width at": "jane.doe%EF%BC%A0example.com",
  "BOM inside": "jane.doe\ufeff@example.com",
  "JSON escape pasted as text": "jane.doe\\u0040example.com",
  "Cyrillic look-alike letters": "jаnе.dое@ехаmрlе.соm",
  "Greek look-alike letters": "jane.d\u03bfe@ex\u03b1mple.com",
  "hex escape pasted as text": "jane.doe\\x40example\\x2ecom",
  "HTML decimal reference": "jane.doe&#64;example.com",
  "HTML hex reference": "jane.doe&#x40;example&#x2E;com",
  "HTML named references": "jane.doe&commat;example&period;com",
  "HTML reference escaped again": "jane.doe&amp;#64;example.com",
  "HTML named reference escaped again": "jane.doe&amp;commat;example.com",
  "percent-encoded twice": "jane.doe%2540example.com",
  // Red team, fifth pass: what an HTML or XML reader decodes that the views once did not.
  "numeric reference without its semicolon": "jane.doe&#64example.com",
  "legacy named reference without its semicolon": "jane.doe@exa&shymple.com",
  "CDATA section around the at sign": "jane.doe<![CDATA[@]]>example.com",
  "octal escape of the at sign": "jane.doe\\100example.com",
  "Python \\U escape of the at sign": "jane.doe\\U00000040example.com",
  // Red team, sixth pass: Python's named escapes and CSS escapes.
  "Python named escape of the at sign": "jane.doe\\N{COMMERCIAL AT}example.com",
  "Python named escapes in lower case, full-width": "jane.doe\\N{fullwidth commercial at}example\\N{full stop}com",
  "CSS escapes of the at sign and a dot": "jane.doe\\40 example\\2e com",
  "CSS escape of six digits": "jane.doe\\000040example.com",
  "a run of CSS escapes of letters": "jane.doe@\\65\\78\\61\\6d\\70\\6c\\65.com",
  "DEL inside": "jane.doe@exam\u007fple.com",
  "NUL between every character": [...EMAIL].join("\u0000"),
  "ESC and BEL in the domain": "jane.doe@ex\u001bam\u0007ple.com",
  "C1 controls inside": "jane\u0090.doe@ex\u009bample.com",
  "object replacement character": "jane.doe@exam\ufffcple.com",
  "private-use character": "jane.doe\ue000@example.com",
  "unassigned code point": "jane.doe@exa\u0378mple.com",
  "tag characters spelling it": tags(EMAIL),
  "variation-selector bytes": selectors(EMAIL),
  "ideographic full stops in the domain": "jane.doe@example。com",
  "half-width ideographic full stop": "jane.doe@example｡com",
  "negative squared letters": "🅹🅰🅽🅴.🅳🅾🅴@🅴🆇🅰🅼🅿🅻🅴.🅲🅾🅼",
  "small capitals": "ᴊᴀɴᴇ.ᴅᴏᴇ@ᴇxᴀᴍᴘʟᴇ.ᴄᴏᴍ",
};
for (const [name, form] of Object.entries(emailForms)) add("look-alike email", name, "openai", chat(`write to ${form} today`), [EMAIL]);

const cardForms: Record<string, string> = {
  spaces: CARD,
  contiguous: "4111111111111111",
  dashes: "4111-1111-1111-1111",
  dots: "4111.1111.1111.1111",
  slashes: "4111/1111/1111/1111",
  NBSP: "4111\u00a01111\u00a01111\u00a01111",
  "double spaces": "4111  1111  1111  1111",
  underscores: "4111_1111_1111_1111",
  "mixed separators": "4111 1111-1111.1111",
  "digit by digit": "4 1 1 1 1 1 1 1 1 1 1 1 1 1 1 1",
  "full-width digits": "４１１１ １１１１ １１１１ １１１１",
  "Arabic-Indic digits": "٤١١١ ١١١١ ١١١١ ١١١١",
  "zero-width between groups": "4111\u200b1111\u200b1111\u200b1111",
  "thin spaces": "4111\u20091111\u20091111\u20091111",
  "dingbat digits": "❹❶❶❶ ➀➀➀➀ ➊➊➊➊ ❶❶❶❶",
  "circled and double-circled digits": "④⓵⓵⓵ ⓵⓵⓵⓵ ⓵⓵⓵⓵ ⓵⓵⓵⓵",
  "parenthesized digits": "⑷⑴⑴⑴ ⑴⑴⑴⑴ ⑴⑴⑴⑴ ⑴⑴⑴⑴",
  "NUL between the digits": [..."4111111111111111"].join("\u0000"),
  "tag characters": tags("4111 1111 1111 1111"),
};
for (const [name, form] of Object.entries(cardForms)) add("look-alike card", name, "openai", chat(`card ${form} exp 12/29`), [CARD]);

const phoneForms: Record<string, string> = {
  dashes: PHONE,
  parentheses: "(415) 555-0133",
  dots: "415.555.0133",
  international: "+1 415 555 0133",
  "full-width digits": "（４１５） ５５５-０１３３",
  "zero-width inside": "415-555\u200b-0133",
  "NUL between the groups": "(415)\u0000555\u00000133",
  "dingbat digits": "(❹➀❺) ❺❺❺-⓿➀❸❸",
};
for (const [name, form] of Object.entries(phoneForms)) add("look-alike phone", name, "openai", chat(`call me at ${form} tonight`), [PHONE]);

add("look-alike ssn", "full-width digits", "openai", chat("ssn ２１９-４５-６７８９"), [SSN]);
for (const [name, form] of [["dots", "219.45.6789"], ["en dashes", "219–45–6789"], ["minus signs", "219−45−6789"], ["non-breaking hyphens", "219‑45‑6789"], ["blanks around the dashes", "219 - 45 - 6789"], ["a blank after each dash", "219- 45- 6789"], ["blanks around en dashes", "219 – 45 – 6789"]]) add("look-alike ssn", name, "openai", chat(`ssn ${form} ok`), [SSN]);
// Secrets of letters only (no digit, "@", "%", "&" or ":"): a quick test once skipped such texts.
add("letters-only secret", "an AWS key id of letters only", "openai", chat("the id is AKIAQWERTYUIOPASDFGH here"), ["AKIAQWERTYUIOPASDFGH"]);
add("letters-only secret", "an AWS secret of letters only after its name", "openai", chat("aws_secret_access_key = wJalrXUtnFEMIxKbPxRfiCYzEXAMPLEKQabcdefg"), ["wJalrXUtnFEMIxKbPxRfiCYzEXAMPLEKQabcdefg"]);
// Secrets of letters only broken up by what the detectors' views read as nothing (markup, controls,
// escapes of dropped characters): the quick test once read the required text ("AKIA", "xox") only
// as written, so the scanner skipped the detectors.
for (const [name, form] of [
  ["markdown emphasis inside", "AK**IA**QWERTYUIOPASDFGH"],
  ["backticks inside", "AK`IA`QWERTYUIOPASDFGH"],
  ["an HTML tag inside", "AK<b></b>IAQWERTYUIOPASDFGH"],
  ["a control character inside", "AK\u0001IAQWERTYUIOPASDFGH"],
  ["a DEL inside", "AKI\u007fAQWERTYUIOPASDFGH"],
  ["a JSON escape of a BOM inside", "AK\\uFEFFIAQWERTYUIOPASDFGH"],
]) add("letters-only secret", `${name} an AWS key id of letters only`, "openai", chat(`the id is ${form} here`), ["AKIAQWERTYUIOPASDFGH"]);
add("letters-only secret", "markdown emphasis inside a Slack token of letters only", "openai", chat("token xo**x**b-abcdefghijklmnop here"), ["xoxb-abcdefghijklmnop"]);
add("look-alike key", "zero-width inside an API key", "openai", chat(`key ${API_KEY.slice(0, 12)}\u200b${API_KEY.slice(12)}`), [API_KEY]);

// 2. Keywords in disguise: denied.
const keywordForms: Record<string, string> = {
  plain: KEYWORD,
  "upper case": KEYWORD.toUpperCase(),
  "zero-width space": "project night\u200bingale",
  "soft hyphen": "pro\u00adject nightin\u00adgale",
  "Cyrillic homoglyphs": "prоjeсt nightingаle",
  "Greek omicron": "pr\u03bfject nightingale",
  hyphen: "project-nightingale",
  underscore: "project_nightingale",
  "dot between": "project.nightingale",
  "several spaces and a tab": "project  \t nightingale",
  "line break": "project\nnightingale",
  "full-width": "ｐｒｏｊｅｃｔ　ｎｉｇｈｔｉｎｇａｌｅ",
  "digits for letters": "pr0ject n1ghtingale",
  "spelled out": "p r o j e c t n i g h t i n g a l e",
  "dotted letters": "p.r.o.j.e.c.t n.i.g.h.t.i.n.g.a.l.e",
  "combining marks": "pro\u0301ject nighti\u0308ngale",
  "bidi override": "project \u202dnightingale\u202c",
  "mixed case": "PrOjEcT NiGhTiNgAlE",
  "HTML references": "proj&#101;ct nightingal&#x65;",
  "HTML named references": "proj&eacute;ct&nbsp;nightingale",
  "numeric reference without its semicolon": "proj&#101ct nightingale",
  "soft hyphen reference without its semicolon": "project night&shyingale",
  "CDATA section inside a word": "project night<![CDATA[in]]>gale",
  "octal escapes of a word": "\\160\\162\\157\\152\\145\\143\\164 nightingale",
  "Python named escapes inside a word": "project nightin\\N{LATIN SMALL LETTER G}ale",
  "CSS escapes of a word": "\\70\\72\\6f\\6a\\65\\63\\74  nightingale",
  "tag characters": tags(KEYWORD),
  "tag characters after visible text": `project ${tags("nightingale")}`,
  "variation-selector bytes": selectors(KEYWORD),
  "control characters inside": "pro\u0000ject night\u007fin\u001bgale",
  "negative squared letters": "🅿🆁🅾🅹🅴🅲🆃 🅽🅸🅶🅷🆃🅸🅽🅶🅰🅻🅴",
  "negative circled letters": "🅟🅡🅞🅙🅔🅒🅣 🅝🅘🅖🅗🅣🅘🅝🅖🅐🅛🅔",
  "regional indicators": "🇵🇷🇴🇯🇪🇨🇹 🇳🇮🇬🇭🇹🇮🇳🇬🇦🇱🇪",
  "small capitals": "ᴘʀᴏᴊᴇᴄᴛ ɴɪɢʜᴛɪɴɢᴀʟᴇ",
  "mathematical bold": "𝐩𝐫𝐨𝐣𝐞𝐜𝐭 𝐧𝐢𝐠𝐡𝐭𝐢𝐧𝐠𝐚𝐥𝐞",
  "parenthesized letters": "⒫⒭⒪⒥⒠⒞⒯ ⒩⒤⒢⒣⒯⒤⒩⒢⒜⒧⒠",
  "object replacement characters": "project night\ufffcin\ufffcgale",
  // Variants a reader reads as the keyword (keywordMatch auto: from a word's start, separators inside ignored).
  plural: "project nightingales",
  "hyphen inside a word": "project night-ingale",
  "space inside a word": "project night ingale",
  "inflected and split": "Project Night-Ingales",
  "suffix glued": "project nightingaleish",
  "no space and a suffix": "projectnightingales",
};
for (const [name, form] of Object.entries(keywordForms)) add("look-alike keyword", name, "openai", chat(`tell me about ${form}`), [], "denied");

// 3. Splits across content parts and messages.
add("split", "email over two content parts", "openai", chat(parts("write to jane.doe@exa", "mple.com today")), [EMAIL]);
add("split", "email over three content parts", "openai", chat(parts("jane.", "doe@examp", "le.com")), [EMAIL]);
add("split", "email over two messages", "openai", json({ model: "m", messages: [{ role: "user", content: "write to jane.doe@exa" }, { role: "user", content: "mple.com now" }] }), [EMAIL]);
add("split", "card over two content parts", "openai", chat(parts("card 4111 1111 ", "1111 1111 ok")), [CARD]);
add("split", "card over two messages", "openai", json({ model: "m", messages: [{ role: "user", content: "4111 1111" }, { role: "assistant", content: " 1111 1111" }] }), [CARD]);
add("split", "phone over two parts", "openai", chat(parts("call 415-55", "5-0133")), [PHONE]);
add("split", "email over Responses input parts", "openai", json({ model: "m", input: [{ role: "user", content: [{ type: "input_text", text: "jane.doe@" }, { type: "input_text", text: "example.com" }] }] }), [EMAIL], "forwarded", { path: "/v1/responses" });
add("split", "email over Anthropic text blocks", "claude", claude(parts("jane.doe@ex", "ample.com")), [EMAIL]);
add("split", "email over the system and the first message", "claude", claude("ample.com please", { system: "write to jane.doe@ex" }), [EMAIL]);
add("split keyword", "over two content parts", "openai", chat(parts("about project night", "ingale")), [], "denied");
add("split keyword", "word boundary between parts", "openai", chat(parts("about project", " nightingale")), [], "denied");
add("split keyword", "over two messages", "openai", json({ model: "m", messages: [{ role: "user", content: "project" }, { role: "user", content: "nightingale" }] }), [], "denied");
add("split keyword", "over Anthropic blocks", "claude", claude(parts("proj", "ect nightingale")), [], "denied");

// 4. Fields the agent does not know by name, and the other provider's shapes.
const fieldBodies: Record<string, string> = {
  "tool description": json({ model: "m", messages: [], tools: [{ type: "function", function: { name: "f", description: `mail ${EMAIL}` } }] }),
  "tool parameter default": json({ model: "m", messages: [], tools: [{ type: "function", function: { name: "f", parameters: { type: "object", properties: { to: { type: "string", default: EMAIL } } } } }] }),
  "tool parameter enum": json({ model: "m", messages: [], tools: [{ type: "function", function: { name: "f", parameters: { type: "object", properties: { to: { enum: [EMAIL] } } } } }] }),
  "custom tool": json({ model: "m", input: "x", tools: [{ type: "custom", name: "c", description: `send to ${EMAIL}` }] }),
  "custom tool call input": json({ model: "m", input: [{ type: "custom_tool_call", call_id: "c1", name: "c", input: `to ${EMAIL}` }] }),
  prediction: chat("hi", { prediction: { type: "content", content: `reply ${EMAIL}` } }),
  "response_format schema": chat("hi", { response_format: { type: "json_schema", json_schema: { name: "s", schema: { type: "object", description: EMAIL } } } }),
  "Responses prompt variables": json({ model: "m", prompt: { id: "pmpt_1", variables: { customer: EMAIL } } }),
  metadata: chat("hi", { metadata: { owner: EMAIL } }),
  "metadata key": chat("hi", { metadata: { [EMAIL]: "owner" } }),
  "user field": chat("hi", { user: EMAIL }),
  "unknown top-level field": chat("hi", { x_notes: `card ${CARD}` }),
  "deeply nested unknown field": chat("hi", { a: { b: [{ c: { d: [[{ e: `mail ${EMAIL}` }]] } }] } }),
  "tool call arguments": json({ model: "m", messages: [{ role: "assistant", content: null, tool_calls: [{ id: "c", type: "function", function: { name: "f", arguments: json({ to: EMAIL }) } }] }] }),
  "tool call arguments with escapes": json({ model: "m", messages: [{ role: "assistant", tool_calls: [{ id: "c", type: "function", function: { name: "f", arguments: '{"to":"jane.doe\\u0040example.com"}' } }] }] }),
  "tool result": json({ model: "m", messages: [{ role: "tool", tool_call_id: "c", content: `found ${EMAIL}` }] }),
  "stop sequences": chat("hi", { stop: [EMAIL] }),
  "logit bias key": chat("hi", { logit_bias: { [CARD.replace(/ /g, "")]: 1 } }),
  "card as a JSON number": chat("hi", { seed_note: 4111111111111111 }),
  "base64 text file": chat([{ type: "file", file: { filename: "a.txt", file_data: `data:text/plain;base64,${Buffer.from(`to ${EMAIL}`).toString("base64")}` } }]),
  "base64 text in an unknown field": chat("hi", { blob: Buffer.from(`card ${CARD} and mail ${EMAIL}`).toString("base64") }),
  "URL-safe base64 text": chat("hi", { blob: Buffer.from(`mail ${EMAIL} ok?`).toString("base64url") }),
  "image URL with the value in its query": chat([{ type: "image_url", image_url: { url: `https://img.example/x.png?owner=${encodeURIComponent(EMAIL)}` } }]),
};
for (const [name, body] of Object.entries(fieldBodies)) {
  add("unknown field", name, "openai", body, name.includes("card") || name.includes("logit") ? [CARD] : [EMAIL], "forwarded", { path: name.includes("Responses") || name.includes("custom") ? "/v1/responses" : CHAT });
}
const anthropicBodies: Record<string, string> = {
  "document block (text source)": claude([{ type: "document", source: { type: "text", media_type: "text/plain", data: `contact ${EMAIL}` } }]),
  "document block (base64 text)": claude([{ type: "document", source: { type: "base64", media_type: "text/plain", data: Buffer.from(`contact ${EMAIL}`).toString("base64") } }]),
  "search result": claude([{ type: "search_result", source: "https://x.example", title: "t", content: [{ type: "text", text: EMAIL }] }]),
  "citations on a text block": claude([{ type: "text", text: "see", citations: [{ type: "char_location", cited_text: EMAIL, document_index: 0, start_char_index: 0, end_char_index: 5 }] }]),
  "thinking block": json({ model: "c", max_tokens: 16, messages: [{ role: "assistant", content: [{ type: "thinking", thinking: `user is ${EMAIL}`, signature: "s" }] }] }),
  "tool_use input": json({ model: "c", max_tokens: 16, messages: [{ role: "assistant", content: [{ type: "tool_use", id: "t", name: "f", input: { to: EMAIL } }] }] }),
  "tool input_schema": claude("hi", { tools: [{ name: "f", input_schema: { type: "object", properties: { to: { const: EMAIL } } } }] }),
  "system blocks": claude("hi", { system: [{ type: "text", text: `ops: ${EMAIL}` }] }),
  "mcp server url": claude("hi", { mcp_servers: [{ type: "url", url: `https://mcp.example/?u=${encodeURIComponent(EMAIL)}`, name: "m" }] }),
};
for (const [name, body] of Object.entries(anthropicBodies)) add("unknown field", `Anthropic ${name}`, "claude", body, [EMAIL]);
add("wrong shape", "Anthropic-shaped body on the OpenAI connection", "openai", claude([{ type: "text", text: `mail ${EMAIL}` }], { system: `card ${CARD}` }), [EMAIL, CARD]);
add("wrong shape", "OpenAI Responses body on the Anthropic connection", "claude", json({ model: "m", instructions: `mail ${EMAIL}`, input: [{ role: "user", content: [{ type: "input_text", text: CARD }] }] }), [EMAIL, CARD]);
add("wrong shape", "OpenAI chat body with tool calls on the Anthropic connection", "claude", json({ model: "m", messages: [{ role: "assistant", tool_calls: [{ id: "c", type: "function", function: { name: "f", arguments: json({ to: EMAIL }) } }] }] }), [EMAIL]);
add("wrong shape", "keyword in an Anthropic-shaped body on the OpenAI connection", "openai", claude("hi", { system: `about ${KEYWORD}` }), [], "denied");
add("wrong shape", "keyword in a tool schema", "openai", json({ model: "m", messages: [], tools: [{ type: "function", function: { name: "f", parameters: { properties: { p: { description: KEYWORD } } } } }] }), [], "denied");
add("wrong shape", "keyword as a JSON key", "openai", chat("hi", { metadata: { [KEYWORD]: "1" } }), [], "denied");
add("wrong shape", "keyword escaped in JSON", "openai", '{"model":"m","messages":[{"role":"user","content":"\\u0070roject nightingale"}]}', [], "denied");
add("wrong shape", "keyword in base64 text", "openai", chat("hi", { blob: Buffer.from(`about ${KEYWORD}`).toString("base64") }), [], "denied");
add("wrong shape", "keyword in tool arguments", "openai", json({ model: "m", messages: [{ role: "assistant", tool_calls: [{ id: "c", type: "function", function: { name: "f", arguments: json({ q: KEYWORD }) } }] }] }), [], "denied");

// 5. Query, path and headers.
add("query", "email in the query string", "openai", chat("hi"), [EMAIL], "forwarded", { path: `${CHAT}?note=${encodeURIComponent(EMAIL)}` });
add("query", "email in a query name", "openai", chat("hi"), [EMAIL], "forwarded", { path: `${CHAT}?${encodeURIComponent(EMAIL)}=1` });
add("query", "card with + for spaces", "openai", chat("hi"), [CARD], "forwarded", { path: `${CHAT}?c=4111+1111+1111+1111` });
add("query", "double percent-encoding", "openai", chat("hi"), [EMAIL], "forwarded", { path: `${CHAT}?to=jane.doe%2540example.com` });
add("query", "keyword in the query", "openai", chat("hi"), [], "denied", { path: `${CHAT}?topic=project+nightingale` });
add("path", "email in a path segment", "openai", undefined, [EMAIL], "forwarded", { method: "GET", path: `/v1/files/${encodeURIComponent(EMAIL)}`, headers: {} });
add("path", "card in a path segment", "plain", undefined, [CARD], "forwarded", { method: "GET", path: "/v1/cards/4111-1111-1111-1111", headers: {} });
add("path", "keyword in the path", "openai", undefined, [], "denied", { method: "GET", path: "/v1/files/project-nightingale", headers: {} });
add("path", "keyword split by an encoded slash in the path", "openai", undefined, [], "denied", { method: "GET", path: "/v1/files/project-night%2Fingale", headers: {} });
add("header", "email in a custom header", "openai", chat("hi"), [EMAIL], "forwarded", { headers: { "content-type": "application/json", "x-customer": EMAIL } });
add("header", "card in a custom header", "openai", chat("hi"), [CARD], "forwarded", { headers: { "content-type": "application/json", "x-note": `card ${CARD}` } });
add("header", "email in OpenAI-Organization", "openai", chat("hi"), [EMAIL], "forwarded", { headers: { "content-type": "application/json", "openai-organization": EMAIL } });
add("header", "email in the user agent", "openai", chat("hi"), [EMAIL], "forwarded", { headers: { "content-type": "application/json", "user-agent": `bot (${EMAIL})` } });
add("header", "email in a content-type parameter", "openai", chat("hi"), [EMAIL], "forwarded", { headers: { "content-type": `application/json; note=${EMAIL}` } });
add("header", "letters-only AWS key id with markdown in a custom header", "openai", chat("hi"), ["AKIAQWERTYUIOPASDFGH"], "forwarded", { headers: { "content-type": "application/json", "x-note": "id AK**IAQWERTYUIOPASDFGH" } });
add("header", "letters-only AWS key id over two headers", "openai", chat("hi"), ["AKIAQWERTYUIOPASDFGH"], "forwarded", { headers: { "content-type": "application/json", "x-a": "id AK", "x-b": "IAQWERTYUIOPASDFGH" } });
add("header", "keyword in a header", "openai", chat("hi"), [], "denied", { headers: { "content-type": "application/json", "x-topic": KEYWORD } });

// 6. Compression: decoded, inspected, sent decoded; what cannot be decoded is refused.
const body = chat(`mail ${EMAIL} card ${CARD}`);
const encoders: Record<string, (input: Buffer) => Buffer> = { gzip: gzipSync, "x-gzip": gzipSync, deflate: deflateSync, br: brotliCompressSync, zstd: zstdCompressSync };
for (const [coding, encode] of Object.entries(encoders)) {
  add("compression", `${coding} body`, "openai", encode(Buffer.from(body)), [EMAIL, CARD], "forwarded", { headers: { "content-type": "application/json", "content-encoding": coding } });
}
add("compression", "gzip then br", "openai", brotliCompressSync(gzipSync(Buffer.from(body))), [EMAIL, CARD], "forwarded", { headers: { "content-type": "application/json", "content-encoding": "gzip, br" } });
add("compression", "gzip twice", "openai", gzipSync(gzipSync(Buffer.from(body))), [EMAIL, CARD], "forwarded", { headers: { "content-type": "application/json", "content-encoding": "gzip, gzip" } });
add("compression", "keyword in a gzip body", "openai", gzipSync(Buffer.from(chat(`about ${KEYWORD}`))), [], "denied", { headers: { "content-type": "application/json", "content-encoding": "gzip" } });
add("compression", "unknown coding", "openai", gzipSync(Buffer.from(body)), [], "refused", { headers: { "content-type": "application/json", "content-encoding": "compress" } });
add("compression", "raw deflate labelled deflate", "openai", deflateRawSync(Buffer.from(body)), [], "refused", { headers: { "content-type": "application/json", "content-encoding": "deflate" } });
add("compression", "gzip labelled but plain", "openai", body, [], "refused", { headers: { "content-type": "application/json", "content-encoding": "gzip" } });
add("compression", "gzip with trailing garbage", "openai", Buffer.concat([gzipSync(Buffer.from(body)), Buffer.from("{}")]), [], "refused", { headers: { "content-type": "application/json", "content-encoding": "gzip" } });
add("compression", "zip bomb over the size limit", "openai", gzipSync(Buffer.from(`{"model":"m","pad":"${"a".repeat(17 << 20)}"}`)), [], "refused", { headers: { "content-type": "application/json", "content-encoding": "gzip" } });
add("compression", "gzip on the generic connection", "plain", gzipSync(Buffer.from(`note: ${EMAIL}`)), [EMAIL], "forwarded", { headers: { "content-type": "text/plain", "content-encoding": "gzip" } });

// 7. Charsets and byte-level tricks.
add("charset", "latin-1 declared", "openai", Buffer.from(chat(`mail ${EMAIL} é`), "latin1"), [EMAIL], "forwarded", { headers: { "content-type": "application/json; charset=iso-8859-1" } });
add("charset", "UTF-16LE declared", "openai", Buffer.from(chat(`mail ${EMAIL}`), "utf16le"), [EMAIL], "forwarded", { headers: { "content-type": "application/json; charset=utf-16le" } });
add("charset", "UTF-16 with a BOM, undeclared", "openai", Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(chat(`mail ${EMAIL}`), "utf16le")]), [], "refused");
add("charset", "UTF-16LE undeclared", "openai", Buffer.from(chat(`mail ${EMAIL}`), "utf16le"), [], "refused");
add("charset", "UTF-8 BOM", "openai", Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from(chat(`mail ${EMAIL}`))]), [EMAIL]);
add("charset", "invalid UTF-8 byte inside the value", "openai", Buffer.concat([Buffer.from(chat("mail jane.doe").slice(0, -3)), Buffer.from([0xc0, 0x80]), Buffer.from('@example.com"}]}')]), [], "refused");
add("charset", "overlong encoding of @", "openai", Buffer.concat([Buffer.from('{"model":"m","messages":[{"role":"user","content":"jane.doe'), Buffer.from([0xc1, 0x80]), Buffer.from('example.com"}]}')]), [], "refused");
add("charset", "CESU-8 surrogate bytes", "openai", Buffer.concat([Buffer.from('{"model":"m","messages":[{"role":"user","content":"x'), Buffer.from([0xed, 0xa0, 0x80]), Buffer.from('"}]}')]), [], "refused");
add("charset", "unknown charset", "openai", Buffer.from(chat(`mail ${EMAIL}`)), [], "refused", { headers: { "content-type": "application/json; charset=x-rot13" } });
add("charset", "EBCDIC-like charset name", "openai", Buffer.from(chat(`mail ${EMAIL}`)), [], "refused", { headers: { "content-type": "application/json; charset=ibm037" } });
add("charset", "Shift_JIS declared (ASCII body)", "openai", Buffer.from(chat(`mail ${EMAIL}`)), [EMAIL], "forwarded", { headers: { "content-type": "application/json; charset=shift_jis" } });
// Red team, sixth pass: two different charsets — the agent read the first, a parser keeping
// parameters in a map reads the last (the caller's header went upstream as it was).
add("charset", "two charsets, UTF-8 first", "plain", Buffer.from(`mail ${EMAIL}`), [], "refused", { headers: { "content-type": "text/plain; charset=utf-8; charset=utf-16le" } });
add("charset", "two charsets on JSON", "openai", Buffer.from(chat(`mail ${EMAIL}`)), [], "refused", { headers: { "content-type": 'application/json; charset="UTF-8"; CHARSET=latin1' } });
add("charset", "the same charset twice", "openai", Buffer.from(chat(`mail ${EMAIL}`)), [EMAIL], "forwarded", { headers: { "content-type": 'application/json; charset=utf-8; charset="UTF-8"' } });
add("charset", "windows-1252 keyword", "openai", Buffer.from(chat(`about ${KEYWORD}`), "latin1"), [], "denied", { headers: { "content-type": "application/json; charset=windows-1252" } });

// 8. Ambiguous JSON: refused (upstream parsers disagree).
const ambiguous: Record<string, string> = {
  "duplicate content key": '{"model":"m","messages":[{"role":"user","content":"hi","content":"mail jane.doe@example.com"}]}',
  "duplicate key at the top": '{"model":"m","messages":[],"messages":[{"role":"user","content":"jane.doe@example.com"}]}',
  "duplicate key spelled with an escape": '{"model":"m","messages":[{"role":"user","content":"hi","cont\\u0065nt":"jane.doe@example.com"}]}',
  "duplicate key deep inside": '{"model":"m","messages":[{"role":"user","content":[{"type":"text","text":"a","text":"jane.doe@example.com"}]}]}',
  "NaN": '{"model":"m","temperature":NaN,"messages":[]}',
  "Infinity": '{"model":"m","temperature":Infinity,"messages":[]}',
  "trailing data": '{"model":"m","messages":[]}{"messages":[{"role":"user","content":"jane.doe@example.com"}]}',
  "trailing comma": '{"model":"m","messages":[],}',
  "comment": '{"model":"m",/* jane.doe@example.com */"messages":[]}',
  "single quotes": "{'model':'m','messages':[]}",
  "lone high surrogate escape": '{"model":"m","messages":[{"role":"user","content":"jane.doe\\ud800@example.com"}]}',
  "lone low surrogate escape in a key": '{"model":"m","\\udc00":"x","messages":[]}',
  "unquoted key": '{model:"m","messages":[]}',
  "two documents on lines": '{"model":"m"}\n{"messages":[]}',
  // Red team, sixth pass: JavaScript readers take a key named __proto__ for an object's prototype.
  "a __proto__ key": '{"model":"m","messages":[{"role":"user","content":"hi"}],"__proto__":{"content":"jane.doe@example.com"}}',
  "a __proto__ key written with an escape": '{"model":"m","messages":[{"role":"user","content":"hi","\\u005f_proto__":"x"}]}',
};
for (const [name, text] of Object.entries(ambiguous)) add("ambiguous JSON", name, "openai", text, [], "refused");
add("ambiguous JSON", "escaped email is decoded and masked", "openai", '{"model":"m","messages":[{"role":"user","content":"mail jane.doe\\u0040example\\u002ecom"}]}', [EMAIL]);
add("ambiguous JSON", "escaped card digits", "openai", '{"model":"m","messages":[{"role":"user","content":"\\u0034111 1111 1111 1111"}]}', [CARD]);
add("ambiguous JSON", "duplicate keys on the generic connection", "plain", '{"a":"x","a":"jane.doe@example.com"}', [], "refused");
add("ambiguous JSON", "JSON labelled text/plain on the generic connection", "plain", '{"a":"x","a":"y"}', [], "refused", { headers: { "content-type": "text/plain" } });

// 9. Body types a provider does not take, and the generic connection's text and forms.
add("body type", "text/plain on OpenAI", "openai", `mail ${EMAIL}`, [], "refused", { headers: { "content-type": "text/plain" } });
add("body type", "JSON labelled text/plain on OpenAI", "openai", chat(`mail ${EMAIL}`), [], "refused", { headers: { "content-type": "text/plain" } });
add("body type", "form-encoded on OpenAI", "openai", `model=m&content=${encodeURIComponent(EMAIL)}`, [], "refused", { headers: { "content-type": "application/x-www-form-urlencoded" } });
add("body type", "form-encoded on Anthropic", "claude", `content=${encodeURIComponent(EMAIL)}`, [], "refused", { headers: { "content-type": "application/x-www-form-urlencoded" } });
add("body type", "XML on OpenAI", "openai", `<m>${EMAIL}</m>`, [], "refused", { headers: { "content-type": "application/xml" } });
add("body type", "octet-stream on OpenAI", "openai", Buffer.from(`mail ${EMAIL}`), [], "refused", { headers: { "content-type": "application/octet-stream" } });
add("body type", "no Content-Type, JSON", "openai", chat(`mail ${EMAIL}`), [EMAIL], "forwarded", { headers: {} });
add("body type", "no Content-Type, not JSON", "openai", `mail ${EMAIL}`, [], "refused", { headers: {} });
add("body type", "vendor JSON type", "openai", chat(`mail ${EMAIL}`), [EMAIL], "forwarded", { headers: { "content-type": "application/vnd.api+json" } });
add("body type", "text on the generic connection", "plain", `mail ${EMAIL} card ${CARD}`, [EMAIL, CARD], "forwarded", { headers: { "content-type": "text/plain" } });
add("body type", "form on the generic connection", "plain", `to=${encodeURIComponent(EMAIL)}&card=4111+1111+1111+1111`, [EMAIL, CARD], "forwarded", { headers: { "content-type": "application/x-www-form-urlencoded" } });
add("body type", "form name on the generic connection", "plain", `${encodeURIComponent(EMAIL)}=1`, [EMAIL], "forwarded", { headers: { "content-type": "application/x-www-form-urlencoded" } });
add("body type", "XML on the generic connection", "plain", `<note to="${EMAIL}"/>`, [EMAIL], "forwarded", { headers: { "content-type": "application/xml" } });
add("body type", "keyword in a generic text body", "plain", `about ${KEYWORD}`, [], "denied", { headers: { "content-type": "text/plain" } });

// 10. Multipart uploads.
add("multipart", "email in a JSONL training file", "openai", multipart({ name: "purpose", data: "fine-tune" }, { name: "file", filename: "train.jsonl", type: "application/jsonl", data: json({ messages: [{ role: "user", content: EMAIL }] }) }), [EMAIL], "forwarded", { path: "/v1/files", headers: upload });
add("multipart", "email in a text field beside audio", "openai", multipart({ name: "prompt", data: `transcribe for ${EMAIL}` }, { name: "file", filename: "a.wav", type: "audio/wav", data: Buffer.from([0x52, 0x49, 0x46, 0x46, 0xff, 0, 0, 0, 1, 2]) }), [EMAIL], "forwarded", { path: "/v1/audio/transcriptions", headers: upload });
add("multipart", "email in a file name", "openai", multipart({ name: "file", filename: `${EMAIL}.txt`, type: "text/plain", data: "hello" }), [EMAIL], "forwarded", { path: "/v1/files", headers: upload });
// busboy does not give a file part's charset: a file that is not UTF-8 is binary, refused here.
add("multipart", "latin-1 text file (binary to the agent)", "openai", multipart({ name: "file", filename: "a.txt", type: "text/plain; charset=iso-8859-1", data: Buffer.from(`mail ${EMAIL} é`, "latin1") }), [], "refused", { path: "/v1/files", headers: upload });
add("multipart", "audio file under policies that let binary pass", "openai", multipart({ name: "model", data: "whisper-1" }, { name: "file", filename: "a.wav", type: "audio/wav", data: Buffer.from([0x52, 0x49, 0x46, 0x46, 0xff, 0, 0, 0, 1, 2]) }), [], "forwarded", { path: "/v1/audio/transcriptions", headers: upload });
add("multipart", "keyword in a text field beside audio", "openai", multipart({ name: "prompt", data: `about ${KEYWORD}` }, { name: "file", filename: "a.wav", type: "audio/wav", data: Buffer.from([0xff, 0xfe, 0]) }), [], "denied", { path: "/v1/audio/transcriptions", headers: upload });
add("multipart", "binary file where policies do not let binary pass", "openai", multipart({ name: "file", filename: "a.pdf", type: "application/pdf", data: Buffer.from([0x25, 0x50, 0x44, 0x46, 0xff, 0xfe]) }), [], "refused", { path: "/v1/files", headers: upload });

// 11. Binary payloads in JSON and opaque bodies: named, and refused where a policy reading content applies.
const png = Buffer.concat([Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]), Buffer.alloc(400, 0xa7)]).toString("base64");
add("binary", "image data URL in a chat part", "openai", chat([{ type: "text", text: "what is this" }, { type: "image_url", image_url: { url: `data:image/png;base64,${png}` } }]), [], "refused");
add("binary", "audio input as base64", "openai", chat([{ type: "input_audio", input_audio: { data: png, format: "wav" } }]), [], "refused");
add("binary", "Anthropic base64 image", "claude", claude([{ type: "image", source: { type: "base64", media_type: "image/png", data: png } }]), [], "refused");
add("binary", "PDF file_data in a Responses input", "openai", json({ model: "m", input: [{ role: "user", content: [{ type: "input_file", filename: "a.pdf", file_data: `data:application/pdf;base64,${png}` }] }] }), [], "refused", { path: "/v1/responses" });
add("binary", "long base64 payload in an unknown field", "openai", chat("hi", { attachment: png }), [], "refused");
add("binary", "opaque body on the generic connection", "plain", Buffer.from([0x89, 0x50, 0x4e, 0x47, 0xff, 0x00, 0x12]), [], "refused", { headers: { "content-type": "image/png" } });
add("binary", "unlabelled non-UTF-8 body on the generic connection", "plain", Buffer.concat([Buffer.from(`mail ${EMAIL} `), Buffer.from([0xff, 0xfe])]), [], "refused", { headers: {} });
add("binary", "image data URL on an audio path (binary allowed) with an email beside it", "openai", json({ model: "m", prompt: `for ${EMAIL}`, image: `data:image/png;base64,${png}` }), [EMAIL], "forwarded", { path: "/v1/audio/speech" });
add("multipart", "base64 transfer encoding", "openai", multipart({ name: "file", filename: "a.txt", type: "text/plain", headers: ["Content-Transfer-Encoding: base64"], data: Buffer.from(`mail ${EMAIL}`).toString("base64") }), [], "refused", { path: "/v1/files", headers: upload });
add("multipart", "quoted-printable transfer encoding", "openai", multipart({ name: "file", filename: "a.txt", type: "text/plain", headers: ["Content-Transfer-Encoding: quoted-printable"], data: "mail jane.doe=40example.com" }), [], "refused", { path: "/v1/files", headers: upload });
add("multipart", "multipart on the chat path", "openai", multipart({ name: "messages", data: EMAIL }), [], "refused", { headers: upload });
add("multipart", "multipart on Anthropic messages", "claude", multipart({ name: "messages", data: EMAIL }), [], "refused", { headers: upload });
add("multipart", "no boundary", "openai", multipart({ name: "file", filename: "a.txt", data: EMAIL }), [], "refused", { path: "/v1/files", headers: { "content-type": "multipart/form-data" } });
add("multipart", "keyword in a text file", "openai", multipart({ name: "file", filename: "a.txt", type: "text/plain", data: `about ${KEYWORD}` }), [], "denied", { path: "/v1/files", headers: upload });
add("multipart", "gzip-encoded upload", "openai", gzipSync(multipart({ name: "file", filename: "a.txt", type: "text/plain", data: `mail ${EMAIL}` })), [EMAIL], "forwarded", { path: "/v1/files", headers: { ...upload, "content-encoding": "gzip" } });

// 12. Long prompts: read whole (a ~120k-character prompt with "e.g. a" once overflowed the stack: 502).
const prose = "The quarterly report covers revenue, costs and outlook, e.g. a hammer; grades A, B, C; steps 1 2 3. ".repeat(10_500);
add("long prompt", "1 MB of prose with one-letter words, an e-mail at the end", "openai", chat(`${prose} mail ${EMAIL}`), [EMAIL]);
add("long prompt", "1 MB over 20 messages, the keyword in the last", "openai", json({ model: "m", messages: Array.from({ length: 20 }, (_, index) => ({ role: "user", content: prose.slice(0, 52_000) + (index === 19 ? ` about ${KEYWORD}` : "") })) }), [], "denied");
// Many tiny values: refused at once (413) rather than read for tens of seconds on the event loop
// every caller shares; a cluster of very many short pieces is refused before its readings are built.
add("long prompt", "150,000 one-letter strings, an e-mail at the end", "openai", json({ model: "m", messages: [{ role: "user", content: "hi" }], x: Array.from({ length: 150_000 }, (_, index) => "ab"[index % 2]), tail: `mail ${EMAIL}` }), [], "refused");
add("long prompt", "200,000 one-letter messages spelling e-mails", "openai", json({ model: "m", messages: Array.from({ length: 200_000 }, (_, index) => ({ role: "user", content: EMAIL[index % EMAIL.length] })) }), [], "refused");
// One cluster of boundaries is read in every mix only within reach of something findable: prose
// in many short pieces passes (masked where it holds a value), pieces spelling values are refused.
add("long prompt", "40,000 one-letter strings, an e-mail at the end (one cluster of boundaries)", "openai", json({ model: "m", messages: [{ role: "user", content: "hi" }], x: Array.from({ length: 40_000 }, (_, index) => "ab"[index % 2]), tail: `mail ${EMAIL}` }), [EMAIL]);
add("long prompt", "a chat of 400 short turns", "openai", json({ model: "m", messages: Array.from({ length: 400 }, (_, index) => ({ role: index % 2 ? "assistant" : "user", content: ["ok", "thanks", "yes", "sure thing"][index % 4] })) }), []);
add("long prompt", "1,000 one-letter messages spelling e-mails", "openai", json({ model: "m", messages: Array.from({ length: 1_000 }, (_, index) => ({ role: "user", content: EMAIL[index % EMAIL.length] })) }), [], "refused");

/** Every case of the corpus. */
export const REQUEST_CASES: readonly RequestCase[] = [...cases, ...READING_CASES, ...SPELLING_CASES];
