// End-to-end run of one build (ROOT: a worktree, run from its TS sources): a real agent between a
// scripted stand-in provider and undici, a mask policy on both directions with a record mode per
// connection, and a deny keyword. Prints one JSON line per request: what the caller got, what the
// provider received, and the exchange record (timing and ids left out, writes joined).
import fc from "fast-check";

const ROOT = process.env.ROOT!;
const { create, toJson } = await import(`${ROOT}/node_modules/@bufbuild/protobuf/dist/esm/index.js`);
const { startTestBed, testSnapshot } = await import(`${ROOT}/test/agent/test-bed.ts`);
const { eventually } = await import(`${ROOT}/test/support/eventually.ts`);
const snap = await import(`${ROOT}/gen/palisade/agent/v1/snapshot_pb.ts`);
const ex = await import(`${ROOT}/gen/palisade/agent/v1/exchange_pb.ts`);
const { request } = await import(`${ROOT}/node_modules/undici/index.js`);

const bed = await startTestBed();
const base = testSnapshot(bed.provider.url, bed.issuer.jwk, "300");
const conn = (name: string) => create(snap.ConnectionSchema, { name, provider: snap.Provider.OPENAI, upstream: bed.provider.url, credential: { header: "authorization", value: "Bearer x" } });
const snapshot = create(snap.SnapshotSchema, {
  ...base,
  connections: [...base.connections, conn("rawrec"), conn("norec"), conn("plainmask")],
  policies: [
    { name: "deny-keyword", priority: 100, connections: ["*"], action: snap.PolicyAction.DENY, keywords: ["project nightingale"], reason: "topic" },
    { name: "mask", priority: 90, connections: ["openai", "claude"], action: snap.PolicyAction.MASK, direction: snap.MaskDirection.BOTH, detectors: ["email", "phone", "payment-card", "us-ssn", "secrets"], record: snap.RecordMode.MASKED },
    { name: "mask-pseudo", priority: 90, connections: ["plainmask"], action: snap.PolicyAction.MASK, direction: snap.MaskDirection.BOTH, style: snap.MaskStyle.PSEUDONYMIZE, restore: true, detectors: ["email", "phone", "payment-card", "secrets"], record: snap.RecordMode.MASKED },
    { name: "raw", priority: 80, connections: ["rawrec"], action: snap.PolicyAction.ALLOW, record: snap.RecordMode.RAW },
    { name: "none", priority: 80, connections: ["norec"], action: snap.PolicyAction.ALLOW, record: snap.RecordMode.NONE },
    { name: "allow-all", priority: -1000, connections: ["*"], action: snap.PolicyAction.ALLOW },
  ].map((policy) => create(snap.PolicySchema, policy)),
});
const acks = bed.controlPlane.acks.length;
bed.controlPlane.push(snapshot);
const ack = await eventually("ack", () => bed.controlPlane.acks.slice(acks).find((entry: { version: string; error: string }) => entry.version === "300" || entry.error !== ""));
if (ack.error) throw new Error(ack.error);
const token = await bed.issuer.token("evader");

const EMAIL = "jane.doe@example.com";
const pieces = [" tok", "Hi ", EMAIL, "jane", ".doe", "@exa", "mple.com", "415-555-0133", "4111 1111 1111 1111", "é", "😀", "\u2028", "\"", "\\", "\n", "sk-proj-Ab3dEfGhIjKlMnOpQrStUvWxYz0123456789", "night", "ingale", "ｊａｎｅ"];
const content = fc.array(fc.constantFrom(...pieces), { maxLength: 4 }).map((p) => p.join(""));
const padding = fc.oneof(fc.constant(undefined), fc.string({ maxLength: 10 }), fc.constantFrom(EMAIL, "4111111111111111"));
const sse = fc.tuple(fc.array(fc.tuple(content, padding), { minLength: 1, maxLength: 8 }), fc.boolean()).map(([deltas, usage]) => {
  const b = { id: "c1", object: "chat.completion.chunk", created: 1, model: "gpt-4o" };
  let text = "";
  for (const [c, o] of deltas) text += `data: ${JSON.stringify({ ...b, choices: [{ index: 0, delta: { content: c }, finish_reason: null }], ...(o === undefined ? {} : { obfuscation: o }) })}\n\n`;
  text += `data: ${JSON.stringify({ ...b, choices: [{ index: 0, delta: {}, finish_reason: "stop" }] })}\n\n`;
  if (usage) text += `data: ${JSON.stringify({ ...b, choices: [], usage: { prompt_tokens: 3, completion_tokens: 4, total_tokens: 7 } })}\n\n`;
  return `${text}data: [DONE]\n\n`;
});
const whole = content.map((c) => JSON.stringify({ id: "c", object: "chat.completion", choices: [{ index: 0, message: { role: "assistant", content: c }, finish_reason: "stop" }], usage: { prompt_tokens: 1, completion_tokens: 2, total_tokens: 3 } }));
const cutSizes = fc.array(fc.integer({ min: 1, max: 40 }), { minLength: 1, maxLength: 200 });
const connection = fc.constantFrom("openai", "rawrec", "norec", "plainmask");
const prompt = fc.array(fc.constantFrom(...pieces, "project", "nightingale", "project nightingale"), { maxLength: 4 }).map((p) => p.join(" "));

const cases = fc.sample(fc.tuple(fc.oneof(sse, whole), cutSizes, connection, prompt, fc.boolean()), { numRuns: Number(process.env.RUNS ?? 60), seed: Number(process.env.SEED ?? 1) });
for (const [index, [reply, sizes, name, text, stream]] of cases.entries()) {
  const bytes = Buffer.from(reply);
  const chunks: Buffer[] = [];
  for (let at = 0, k = 0; at < bytes.length; k++) {
    const n = sizes[k % sizes.length]!;
    chunks.push(bytes.subarray(at, at + n));
    at += n;
  }
  const isSse = reply.startsWith("data:");
  const id = bed.provider.script({ headers: { "content-type": isSse ? "text/event-stream" : "application/json" }, chunks });
  const before = bed.provider.requests.length;
  const exchangesBefore = new Set(bed.controlPlane.exchanges.keys());
  const response = await request(`${bed.agent.url}/${name}/v1/chat/completions`, {
    method: "POST",
    headers: { authorization: `Bearer ${token}`, "content-type": "application/json", "x-stand-in-script": id },
    body: JSON.stringify({ model: "gpt-4o", stream: isSse && stream, messages: [{ role: "user", content: text }] }),
  });
  const got = await response.body.text();
  const received = bed.provider.requests.length > before ? bed.provider.requests.at(-1).body : null;
  const record = await eventually("record", () => [...bed.controlPlane.exchanges.values()].find((e: { id: string }) => !exchangesBefore.has(e.id)));
  const json = toJson(ex.ExchangeSchema, record) as Record<string, unknown>;
  const chunksData = ((json.responseChunks ?? []) as { data?: string }[]).map((c) => c.data ?? "").join("");
  for (const key of ["id", "startedAt", "timeToFirstByte", "duration", "responseChunks", "agentInstance", "agent"]) delete json[key];
  console.log(JSON.stringify({ index, name, status: response.statusCode, got, received, record: json, chunksData }));
}
await bed.close();
