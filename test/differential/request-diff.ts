// Differential harness, request side: the same raw requests through both builds' canonical body,
// inspection, content view (every view, every boundary, every joined reach), keyword and pattern
// matchers in every mode, and request masking; prints every difference.
import fc from "fast-check";
import { REQUEST_CASES } from "../evasion/request-corpus.js";
import { type Build, load, NEW, REF } from "./builds.js";

const ref = await load(REF, "ref");
const cur = await load(NEW, "new");

const KEYWORDS = ["project nightingale", "nightingale", "heart", "ass", "code-7", "7", "secret", "wire transfer", "m1m", "lllll", "rnrn", "a b c", "c++", "$x/y", "a.b (c)", "ﬁle", "Straße", "İstanbul", "ΟΟΟ", "😀"];
const MODES = ["auto", "word", "prefix", "substring"];
const PATTERNS = ["\\bticket-\\d{4}\\b", "jane\\.doe@example\\.com", "^\\s*$", "a\\nb", "[\\u0080-\\uffff]", "\\u0000", "\\n\\n", "project nightingale", "(?:^|\\n)x"];
const REACHES = [1, 9, 20, 33, 40, 64, 100, 200, 1000];

function matchers(b: Build) {
  const list: { name: string; test: (view: unknown) => boolean }[] = [];
  for (const mode of MODES) for (const keyword of KEYWORDS) {
    const m = b.keywordMatcher([keyword], mode);
    if (m) list.push({ name: `${mode}:${keyword}`, test: (v) => m.test(v) });
  }
  for (const pattern of PATTERNS) {
    const m = b.compileContentMatch("p", [], [pattern]);
    list.push({ name: `re:${pattern}`, test: (v) => m.test(v) });
  }
  const all = b.compileContentMatch("all", KEYWORDS, PATTERNS);
  list.push({ name: "all", test: (v) => all.test(v) });
  return list;
}
const refMatchers = matchers(ref);
const curMatchers = matchers(cur);

const rules = (b: Build) => [{ policy: "mask", detectors: b.compileDetectors({ builtins: ["email", "phone", "payment-card", "us-ssn", "secrets"], patterns: [], words: ["nightingale"] }), direction: "request", style: "redact", restore: false }];
const refRules = rules(ref);
const curRules = rules(cur);

const MAX_BOUNDARY = 6000;
function skel(sk: { text: string; boundary(at: number): number }) {
  const n = sk.text.length;
  let b = "";
  if (n <= MAX_BOUNDARY) for (let at = -1; at <= n + 1; at++) b += sk.boundary(at);
  else for (let at = 0; at <= n; at += Math.max(1, Math.floor(n / 3000))) b += sk.boundary(at);
  return { text: sk.text, b };
}

// biome-ignore lint/suspicious/noExplicitAny: a view of either build
function views(view: any, order: number) {
  const out: Record<string, unknown> = {};
  const steps: [string, () => unknown][] = [
    ["texts", () => [...view.texts]],
    ["lower", () => [...view.lower]],
    ["folded", () => [...view.folded]],
    ["skeletons", () => view.skeletons.map(skel)],
    ["joined", () => (view.joined ? REACHES.map((r) => view.joined(r).map(skel)) : null)],
  ];
  // The views are built lazily and share parts: read them in different orders.
  const rotated = [...steps.slice(order % steps.length), ...steps.slice(0, order % steps.length)];
  if (order % 2 === 1) rotated.reverse();
  for (const [name, get] of rotated) out[name] = get();
  return out;
}

interface Input {
  label: string;
  provider: "openai" | "anthropic" | "generic";
  path: string;
  headers: Record<string, string | string[]>;
  body: Buffer;
}

// biome-ignore lint/suspicious/noExplicitAny: either build
async function run(b: Build, ms: typeof refMatchers, rs: any, input: Input, order: number) {
  const provider = b.providers[input.provider];
  const headers = { "content-type": "application/json", ...input.headers };
  const decoded = await b.canonicalBody(input.body, headers, input.path, provider.requestBodies, 16 << 20);
  if (!decoded.ok) return { decoded: decoded };
  const route = { connection: input.provider, rest: input.path.split("?")[0], search: input.path.includes("?") ? `?${input.path.split("?")[1]}` : "" };
  let inspection: { slots: { text: string; location: string; role?: string }[] };
  try {
    inspection = b.inspectRequest(decoded.body, route, headers, "authorization");
  } catch (error) {
    return { inspectThrew: String(error) };
  }
  const v = b.contentView(inspection);
  const seen = views(v, order);
  // A fresh view for the matchers (their own lazy order).
  const v2 = b.contentView(inspection);
  const decisions = ms.map((m) => `${m.name}=${m.test(v2) ? 1 : 0}`).join(" ");
  let masked: unknown;
  try {
    const out = b.maskedRequest(decoded.body, route, () => b.inspectRequest(decoded.body, route, headers, "authorization"), b.createMaskSession(input.provider, route.rest, rs));
    const norm = (t: string) => t.replace(/palisade-[0-9a-f]{32}/g, "palisade-B");
    masked = { bytes: norm(Buffer.from(out.upstream?.bytes ?? []).toString("latin1")), rest: norm(JSON.stringify(out, (k, val) => (k === "bytes" ? undefined : typeof val === "bigint" ? String(val) : val))) };
  } catch (error) {
    masked = { threw: String(error) };
  }
  return { slots: inspection.slots.map((s: { text: string; location: string; role?: string }) => [s.text, s.location, s.role]), seen, decisions, masked };
}

let tried = 0;
let differences = 0;
let seenOnly = 0;
const diffClasses = new Map<string, number>();
const maskedTags = new Map<string, number>();
const classes = new Map<string, number>();
function diffKeys(a: Record<string, unknown>, c: Record<string, unknown>, prefix = ""): string[] {
  const out: string[] = [];
  for (const key of new Set([...Object.keys(a), ...Object.keys(c)])) {
    const x = JSON.stringify(a[key]);
    const y = JSON.stringify(c[key]);
    if (x !== y) out.push(prefix + key);
  }
  return out;
}
export async function check(input: Input, order = tried): Promise<boolean> {
  tried++;
  classes.set(input.label.split(":")[0]!, (classes.get(input.label.split(":")[0]!) ?? 0) + 1);
  const a = await run(ref, refMatchers, refRules, input, order);
  const c = await run(cur, curMatchers, curRules, input, order);
  const mb = JSON.stringify((c as { masked?: unknown }).masked ?? "");
  for (const tag of ["[SECRET]", "[EMAIL]", "[PHONE]", "[PAYMENT_CARD]", "unmaskable", "threw"]) if (mb.includes(tag)) maskedTags.set(tag, (maskedTags.get(tag) ?? 0) + 1);
  let keys = diffKeys(a as Record<string, unknown>, c as Record<string, unknown>);
  // Known, intended differences (views gained the cut-escape readings: folded/skeletons only) are counted apart.
  if (process.env.QUIET_SEEN && keys.length === 1 && keys[0] === "seen") {
    const inner = diffKeys((a as { seen: Record<string, unknown> }).seen, (c as { seen: Record<string, unknown> }).seen);
    if (inner.every((k) => k === "folded" || k === "skeletons")) { seenOnly++; keys = []; }
  }
  if (keys.length === 0) return true;
  differences++;
  diffClasses.set(input.label, (diffClasses.get(input.label) ?? 0) + 1);
  if (differences <= Number(process.env.SHOW_DIFFS ?? 15)) {
    const detail: string[] = [];
    for (const key of keys) {
      const x = (a as Record<string, unknown>)[key];
      const y = (c as Record<string, unknown>)[key];
      if (key === "seen") detail.push(`seen: ${diffKeys(x as Record<string, unknown>, y as Record<string, unknown>).join(",")}`);
      else if (key === "decisions") {
        const xs = String(x).split(" ");
        const ys = String(y).split(" ");
        detail.push(`decisions: ${xs.filter((d, i) => d !== ys[i]).join(" ")} -> ${ys.filter((d, i) => d !== xs[i]).join(" ")}`);
      } else if (key === "masked") {
        const [p, q] = [JSON.stringify(x) ?? "", JSON.stringify(y) ?? ""];
        let at = 0;
        while (at < p.length && p[at] === q[at]) at++;
        detail.push(`masked: …${p.slice(Math.max(0, at - 200), at + 150)}\n   vs …${q.slice(Math.max(0, at - 200), at + 150)}`);
      } else detail.push(`${key}: ${JSON.stringify(x)?.slice(0, 300)} || ${JSON.stringify(y)?.slice(0, 300)}`);
    }
    console.log(`DIFF [${input.label}] path=${input.path} headers=${JSON.stringify(input.headers).slice(0, 200)} body=${JSON.stringify(input.body.toString("latin1")).slice(0, 400)}\n  ${detail.join("\n  ")}`);
    if (process.env.DUMP) console.log(JSON.stringify({ a, c }, null, 1).slice(0, 20000));
  }
  return false;
}

// ---- inputs ----
const providerOf = { openai: "openai", claude: "anthropic", plain: "generic" } as const;

async function corpus() {
  for (const c of REQUEST_CASES) {
    const body = c.body === undefined ? Buffer.alloc(0) : Buffer.isBuffer(c.body) ? c.body : Buffer.from(c.body);
    const headers = { ...(c.headers ?? {}) };
    if (c.body !== undefined && !Object.keys(headers).some((h) => h.toLowerCase() === "content-type")) headers["content-type"] = "application/json";
    await check({ label: `corpus:${c.kind}`, provider: providerOf[c.connection], path: c.path, headers, body });
    // With the SDK's headers (base64-read names, short values the slot cache remembers).
    await check({ label: `corpus-sdk:${c.kind}`, provider: providerOf[c.connection], path: c.path, headers: { ...sdkHeaders, ...headers }, body });
  }
}
const sdkHeaders = { "user-agent": "OpenAI/JS 7.55.0", "x-stainless-lang": "js", "x-stainless-package-version": "5.23.2", "x-stainless-os": "Linux", "x-stainless-arch": "x64", "x-stainless-runtime": "node", "x-stainless-runtime-version": "v24.21.0", "x-stainless-retry-count": "0", accept: "application/json" };

const pieces = [
  "project", "nightingale", "night", "ingale", "proj", "ect", "p r o j", "e c t", " n i g h t", "p", "r", "o", "j", "e", "c", "t", "n", "i", "g", "h", "a", "l",
  "pr\u200boject", "nighti\u00adngale", "ni\u{fe0f}ghtingale", "nıghtingale", "nightіngale" /* Cyrillic i */, "ｎｉｇｈｔｉｎｇａｌｅ", "NIGHTINGALE", "n-i-g-h-t", "night_ingale", "n.i.g.h.t.i.n.g.a.l.e",
  "%70roject", "&#110;ightingale", "&amp;", "&amp", "&#x6e;", "\\u006eightingale", "\\x6e", "\\u00", "\\", "%", "%4", "%E2%80", "%8B", "&", "&#", "&#1", "&lt;", "&nbsp",
  "\u{e0070}\u{e0072}", "\u{fe00}", "\u{e0100}\u{e0101}", "😀", "\ud83d", "\ude00", "\u0002", "\u0001", "\u0000", "\n", "\r", "\r\n", "\t", " ", "  ", "-", ".", ",", "'", "\"", "/", "*", "`", "<b>", "</b>", "<!--", "-->",
  "jane.doe", "@", "example.com", "jane.doe@example.com", "415", "555", "0133", "4111", "1111", "sk-proj-Ab3dEfGhIjKlMnOpQrStUvWxYz0123456789", "code", "7", "77", "m", "rn", "1", "l", "I", "0", "O",
  "cHJvamVjdCBuaWdodGluZ2FsZQ==" /* base64 */, "bmlnaHRpbmdhbGU=", "amFuZS5kb2VAZXhhbXBsZS5jb20=", "ticket-1234", "heart", "the art", "class", "ass", "c++", "$x/y", "a.b (c)",
  "é", "e\u0301", "ß", "İ", "ﬁ", "①", "🅽", "Ⅰ", "ǅ", "\u2028", "\u00a0", "\u3000", "·", "٣", "x".repeat(40), "y".repeat(79), "z".repeat(81),
];
const piece = fc.constantFrom(...pieces);
const textArb = fc.oneof(
  { weight: 5, arbitrary: fc.array(piece, { maxLength: 8 }).map((p) => p.join("")) },
  { weight: 1, arbitrary: fc.array(piece, { minLength: 10, maxLength: 40 }).map((p) => p.join("")) },
  { weight: 1, arbitrary: fc.string({ maxLength: 90 }) },
  { weight: 1, arbitrary: fc.string({ unit: "binary", maxLength: 90 }) },
  // Around the 80-character cache boundary.
  { weight: 2, arbitrary: fc.tuple(fc.integer({ min: 74, max: 86 }), fc.array(piece, { minLength: 1, maxLength: 6 })).map(([n, p]) => { const t = p.join(""); return t.length >= n ? t.slice(0, n) : t + "q".repeat(n - t.length); }) },
);

// A JSON body whose strings are raw JSON fragments: lone surrogates and escapes as the caller writes them.
const jsonString = (text: string) => JSON.stringify(text);
const escapedString = fc.oneof(textArb.map(jsonString), fc.constantFrom('"\\ud800"', '"\\udc00x"', '"a\\u0000b"', '"\\u006e\\u0069ght"', '"\\/"', '"\\u200b"'));
const content = fc.oneof(
  escapedString,
  fc.array(fc.tuple(fc.constantFrom("text", "input_text", "output_text", "image_url", "weird"), escapedString), { maxLength: 6 }).map((list) => `[${list.map(([t, s]) => `{"type":"${t}","text":${s}}`).join(",")}]`),
);
const message = fc.tuple(fc.constantFrom("user", "system", "assistant", "developer", "tool"), content, fc.option(escapedString, { nil: undefined })).map(([role, c, name]) => `{"role":"${role}","content":${c}${name ? `,"name":${name}` : ""}}`);
const extraMember = fc.tuple(escapedString, escapedString).map(([k, v]) => `${k}:${v}`);
const chatBody = fc.tuple(fc.array(message, { minLength: 1, maxLength: 8 }), fc.array(extraMember, { maxLength: 3 }), fc.boolean()).map(([msgs, extra, dup]) =>
  `{"model":"gpt-4o"${dup ? ',"model":"gpt-4o"' : ""},"messages":[${msgs.join(",")}]${extra.map((e) => `,${e}`).join("")}}`,
);
const headerValue = fc.oneof(textArb.map((t) => t.replace(/[^\t\x20-\x7e\x80-\xff]/g, "")), fc.constantFrom("cHJvamVjdCBuaWdodGluZ2FsZQ==", "project%20nightingale", "night", "ingale"));
const headerSet = fc.array(fc.tuple(fc.constantFrom("x-a", "x-b", "x-note", "x-stainless-lang", "user-agent", "x-project-nightingale", "x-cHJvamVjdA", "openai-organization"), headerValue), { maxLength: 5 }).map((list) => {
  const h: Record<string, string> = {};
  for (const [k, v] of list) h[k] = h[k] === undefined ? v : `${h[k]}, ${v}`;
  return h;
});
const pathArb = fc.oneof(fc.constant("/v1/chat/completions"), fc.tuple(textArb).map(([t]) => `/v1/chat/completions?q=${encodeURIComponent(t.toWellFormed())}`), fc.constant("/v1/responses"));

async function generated(runs: number, seed: number) {
  const inputs = fc.sample(fc.tuple(chatBody, headerSet, pathArb, fc.constantFrom<"openai" | "anthropic" | "generic">("openai", "generic", "anthropic")), { numRuns: runs, seed });
  for (const [body, headers, path, provider] of inputs) {
    await check({ label: "gen:chat", provider, path: provider === "anthropic" ? "/v1/messages" : path, headers, body: Buffer.from(body) });
  }
}

// Families: the same short texts again and again (the slot cache remembers them), then one confusable character changed.
async function families(runs: number, seed: number) {
  const bases = fc.sample(fc.array(fc.constantFrom(...pieces), { minLength: 1, maxLength: 5 }).map((p) => p.join("").slice(0, 80)), { numRuns: runs, seed });
  const swaps: [string, string][] = [["i", "і"], ["a", "а"], ["o", "0"], ["l", "1"], ["e", "е"], ["n", "ｎ"], ["g", "\u200bg"], ["t", "t\u{fe0f}"], [" ", "\u00a0"], ["r", "r\u0301"]];
  for (const base of bases) {
    for (const [from, to] of swaps) {
      const changed = base.replace(from, to);
      for (const text of [base, changed, base]) {
        const body = JSON.stringify({ model: "gpt-4o", messages: [{ role: "user", content: [{ type: "text", text }, { type: "text", text: "nightingale" }] }, { role: "user", content: text }], user: text });
        await check({ label: "family", provider: "openai", path: "/v1/chat/completions", headers: { "x-note": text.replace(/[^\t\x20-\x7e]/g, "") }, body: Buffer.from(body) });
      }
    }
  }
}

// Many slots and very long slots.
async function scale() {
  const many = Array.from({ length: 3000 }, (_, i) => ({ type: "text", text: i % 7 === 0 ? "night" : i % 7 === 1 ? "ingale" : `w${i}` }));
  await check({ label: "scale:many-parts", provider: "openai", path: "/v1/chat/completions", headers: {}, body: Buffer.from(JSON.stringify({ model: "gpt-4o", messages: [{ role: "user", content: many }] })) });
  const long = `${"lorem ipsum ".repeat(20000)}project nightingale ${"ß".repeat(5000)}`;
  await check({ label: "scale:long", provider: "openai", path: "/v1/chat/completions", headers: {}, body: Buffer.from(JSON.stringify({ model: "gpt-4o", messages: [{ role: "user", content: long }] })) });
}

// Long clean prose (no digit, "@", "%", "&", "\\", ":", "*", "`", "<", non-ASCII) around a value or a
// secret's required text, cut anywhere into parts, messages, keys and names (slot masking's prose path).
const proseWords = ["the", "board", "reviewed", "risks", "and", "north", "region", "renewed", "late", "please", "summarise", "report", "quarterly", "customers", "(see", "above)", "-", ".", ",", "!", "?", "it's", "a/b", "x_y", "=", "+", "$", "#", "'", "\"", "[", "]", "{", "}", "|", "~", "^", "ak", "ia", "xo", "xb", "aws", "secret", "access", "key", "BEGIN", "-----"];
const proseArb = (min: number) => fc.array(fc.constantFrom(...proseWords), { minLength: min, maxLength: min + 40 }).map((w) => w.join(" "));
const secretsProse = ["AKIAABCDEFGHIJKLMNOP", "xoxb-abcdefghij-abcdefghijkl", "xoxp-abcdefg-abcdefgh", "-----BEGIN RSA PRIVATE KEY-----\nMIIBOgIBAAJBAKj34GkxFhD90vcNLYLInFEX6Ppy1tPf9Cnzj4p4WGeKLs1Pt8Qu\n-----END RSA PRIVATE KEY-----", "jane.doe@example.com", "sk-proj-Ab3dEfGhIjKlMnOpQrStUvWxYz0123456789", "aws_secret_access_key", "AKIA", "xoxb-", "415-555-0133", "4111 1111 1111 1111"];
async function prose(runs: number, seed: number) {
  const arb = fc.tuple(proseArb(45), fc.constantFrom(...secretsProse), proseArb(45), fc.array(fc.integer({ min: -30, max: 30 }), { minLength: 1, maxLength: 3 }), fc.constantFrom("parts", "messages", "key", "name", "mixed"), fc.boolean());
  for (const [before, secret, after, offsets, shape, shortFirst] of fc.sample(arb, { numRuns: runs, seed })) {
    const lead = shortFirst ? before.slice(-40) : before;
    const whole = `${lead} ${secret} ${after}`;
    const at = lead.length + 1;
    const cuts = [...new Set(offsets.map((o) => at + Math.floor(secret.length / 2) + o))].filter((c) => c > 0 && c < whole.length).sort((x, y) => x - y);
    const texts = [0, ...cuts].map((from, index) => whole.slice(from, [...cuts, whole.length][index]));
    let body: unknown;
    if (shape === "parts") body = { model: "gpt-4o", messages: [{ role: "user", content: texts.map((text) => ({ type: "text", text })) }] };
    else if (shape === "messages") body = { model: "gpt-4o", messages: texts.map((content) => ({ role: "user", content })) };
    else if (shape === "key") body = { model: "gpt-4o", messages: [{ role: "user", content: texts[0] }], metadata: Object.fromEntries(texts.slice(1).map((t, i) => [t, `v${i}`])) };
    else if (shape === "name") body = { model: "gpt-4o", messages: texts.map((content, i) => ({ role: "user", content, ...(i % 2 ? { name: content.slice(0, 60) } : {}) })) };
    else body = { model: "gpt-4o", messages: [{ role: "user", content: texts.map((text) => ({ type: "text", text })) }, { role: "assistant", content: texts.join("") }], tools: [{ type: "function", function: { name: "f", description: texts.at(-1), parameters: { type: "object", properties: { [texts[0]!.slice(-20)]: { type: "string", description: texts.at(-1) } } } } }] };
    await check({ label: `prose:${shape}`, provider: "openai", path: "/v1/chat/completions", headers: {}, body: Buffer.from(JSON.stringify(body)) });
  }
}

// Each secret with a letters-only required text, cut at every position between two texts of clean
// prose of several lengths (the prose path reads joins only near them).
async function splits() {
  const secrets = ["AKIAABCDEFGHIJKLMNOP", "xoxb-abcdefghij-abcdefghijkl", "xoxp-abcdefg-abcdefgh", "-----BEGIN RSA PRIVATE KEY-----\nMIIBOgIBAAJBAKj34GkxFhD90vcNLYLInFEX6Ppy1tPf9Cnzj4p4WGeKLs1Pt8Qu\n-----END RSA PRIVATE KEY-----"];
  const prose = (n: number) => "the board reviewed the risks and the north region renewed late please summarise ".repeat(8).slice(0, n);
  for (const secret of secrets) {
    for (let at = 0; at <= Math.min(secret.length, 40); at++) {
      for (const [before, after] of [[0, 0], [5, 25], [25, 5], [400, 400], [19, 21]] as const) {
        for (const shape of ["parts", "messages", "three"] as const) {
          const left = `${prose(before)}${before ? " " : ""}${secret.slice(0, at)}`;
          const right = `${secret.slice(at)}${after ? " " : ""}${prose(after)}`;
          const texts = shape === "three" ? [left, right.slice(0, 3), right.slice(3)] : [left, right];
          const body = shape === "messages" ? { model: "gpt-4o", messages: texts.map((content) => ({ role: "user", content })) } : { model: "gpt-4o", messages: [{ role: "user", content: texts.map((text) => ({ type: "text", text })) }] };
          await check({ label: `splits:${shape}`, provider: "openai", path: "/v1/chat/completions", headers: {}, body: Buffer.from(JSON.stringify(body)) });
        }
      }
    }
  }
}

const seed = Number(process.env.SEED ?? 1);
const runs = Number(process.env.RUNS ?? 300);
const which = (process.env.ONLY ?? "corpus,gen,families,scale,prose").split(",");
if (which.includes("corpus")) await corpus();
if (which.includes("gen")) await generated(runs, seed);
if (which.includes("families")) await families(Math.ceil(runs / 10), seed);
if (which.includes("scale")) await scale();
if (which.includes("prose")) await prose(runs, seed);
if (which.includes("splits")) await splits();
console.log(`tried ${tried}, differences ${differences}, view-only (cut escapes) ${seenOnly}; classes ${JSON.stringify(Object.fromEntries(classes))}; differing ${JSON.stringify(Object.fromEntries(diffClasses))}; masked ${JSON.stringify(Object.fromEntries(maskedTags))}`);
