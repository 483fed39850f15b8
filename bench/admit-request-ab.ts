// In-process A/B of the agent's policy step (`admitRequest`) as agent/http/handle-request.ts runs it:
// the overhead bench's request (its body and the OpenAI SDK's headers) canonical body first (not
// timed), then `admitRequest` over the overhead bench's policies (bench/policy-set.ts's 20-policy
// mix and its mask policy) with the request's inspection and content view built on first use, as
// the agent builds them (timed). Two compiled builds (each a tree with its own dist/) loaded in one
// process, run in interleaved batches (the order alternating each round); thread CPU time per
// request, medians with p25–p75, and the median of the paired B/A ratios. Not one of `npm run
// bench`'s benches:
//   node --import tsx bench/admit-request-ab.ts TREE_A TREE_B [rounds] [batch] [policies]
// (`policies`: the size of the mix, 20 by default as in the overhead bench.) With ADMIT_AB_MASK=1,
// the whole request side: the admitted request's masks applied too (`createMaskSession`,
// `maskedRequest`, as handle-request.ts runs them after the policy step).
import { resolve } from "node:path";
import { create } from "@bufbuild/protobuf";
import { policyMix } from "./policy-set.js";

const [treeA, treeB] = [process.argv[2], process.argv[3]];
if (!treeA || !treeB) throw new Error("usage: admit-request-ab.ts TREE_A TREE_B [rounds] [batch] [policies]");
const rounds = Number(process.argv[4] ?? 40);
const batch = Number(process.argv[5] ?? 300);
const mix = Number(process.argv[6] ?? 20);

const paragraph =
  "Please review the following quarterly report and summarise the main risks for the board. " +
  "Revenue grew in every region except the north, where two large customers renewed late. ";
const body = Buffer.from(JSON.stringify({ model: "gpt-4o-mini", messages: [{ role: "system", content: "You are a careful analyst." }, { role: "user", content: paragraph.repeat(5) }] }));
const headers: Record<string, string> = {
  host: "127.0.0.1:8080", authorization: "Bearer x", "content-type": "application/json", accept: "application/json", "user-agent": "OpenAI/JS 7.55.0",
  "x-stainless-lang": "js", "x-stainless-package-version": "7.55.0", "x-stainless-os": "Linux", "x-stainless-arch": "x64",
  "x-stainless-runtime": "node", "x-stainless-runtime-version": "v24.21.0", "x-stainless-retry-count": "0", "x-stainless-timeout": "600",
  "content-length": String(body.length),
};
const route = { connection: "openai", rest: "/v1/chat/completions", search: "" };

const cpuUs = () => {
  const usage = process.threadCpuUsage();
  return usage.user + usage.system;
};

type Step = () => Promise<() => void>;

/** One tree's request: the canonical body (awaited, untimed) then a function running the policy step. */
async function tree(root: string): Promise<Step> {
  const at = (path: string) => import(resolve(root, "dist", path));
  const [{ compilePolicies }, { admitRequest }, { createLimitTracker }, { canonicalBody }, { inspectRequest }, { contentView }, { openai }, snapshot] = await Promise.all([
    at("agent/policy/compile-policies.js"), at("agent/policy/admit-request.js"), at("agent/policy/limits.js"), at("agent/inspection/canonical-body.js"),
    at("agent/inspection/request-inspection.js"), at("agent/inspection/content-view.js"), at("agent/providers/openai.js"), at("gen/palisade/agent/v1/snapshot_pb.js"),
  ]);
  const [{ createMaskSession }, { maskedRequest }] = await Promise.all([at("agent/masking/mask-session.js"), at("agent/inspection/mask-canonical.js")]);
  const { PolicySchema, PolicyAction, MaskDirection } = snapshot;
  const policies = [
    ...policyMix(mix).map((fields) => create(PolicySchema, { ...fields, connections: ["*"] })),
    create(PolicySchema, { name: "mask-pii", priority: 2000, connections: ["*"], action: PolicyAction.MASK, detectors: ["email", "phone", "payment-card", "secrets"], direction: MaskDirection.BOTH }),
  ];
  const compiled = compilePolicies(policies, ["openai"]);
  const limits = createLimitTracker();
  const connection = { name: "openai", allowedGroups: new Set<string>() };
  const identity = { subject: "bench-user", email: "bench@example.test", groups: ["eng", "staff"], issuer: "urn:bench", claims: { sub: "bench-user", groups: ["eng", "staff"] } };
  return async () => {
    const decoded = await canonicalBody(body, headers, route.rest, openai.requestBodies, 16 << 20);
    if (!decoded.ok) throw new Error("body refused");
    const canonical = decoded.body;
    const facts = openai.readRequest(canonical.json);
    const prompt = openai.promptText(canonical.json, canonical.text ?? "");
    return () => {
      let inspection: unknown;
      const inspect = () => (inspection ??= inspectRequest(canonical, route, headers, "authorization"));
      const admission = admitRequest({
        session: "s", connection, policies: compiled, limits,
        context: {
          identity, request: { ...facts, method: "POST", path: route.rest, headers, prompt }, connection: { name: "openai", provider: "openai" }, now: Date.now(),
          content: () => contentView(inspect()), binary: () => inspect().binary,
        },
      });
      if (admission.ok !== true) throw new Error("bench request refused");
      if (!masking) return;
      const session = admission.masks.length > 0 ? createMaskSession("openai", route.rest, admission.masks) : undefined;
      if (!maskedRequest(canonical, route, inspect, session).ok) throw new Error("bench request not masked");
    };
  };
}

// With ADMIT_AB_HEAP=1 (and node --max-semi-space-size=256, so no scavenge runs inside a batch),
// heap bytes allocated per request instead of CPU µs.
const heapMode = process.env.ADMIT_AB_HEAP === "1";
const masking = process.env.ADMIT_AB_MASK === "1";

async function batchOf(step: Step): Promise<number> {
  const runs: (() => void)[] = [];
  for (let index = 0; index < batch; index++) runs.push(await step());
  const start = heapMode ? process.memoryUsage().heapUsed : cpuUs();
  for (const run of runs) run();
  return ((heapMode ? process.memoryUsage().heapUsed : cpuUs()) - start) / batch;
}

const quantile = (values: number[], q: number) => [...values].sort((a, b) => a - b)[Math.floor(q * (values.length - 1))]!;
const [a, b] = [await tree(treeA), await tree(treeB)];
for (let warm = 0; warm < 10; warm++) await Promise.all([batchOf(a), batchOf(b)]);
const samplesA: number[] = [];
const samplesB: number[] = [];
for (let round = 0; round < rounds; round++) {
  if (round % 2 === 0) {
    samplesA.push(await batchOf(a));
    samplesB.push(await batchOf(b));
  } else {
    samplesB.push(await batchOf(b));
    samplesA.push(await batchOf(a));
  }
}
const show = (values: number[]) => `${quantile(values, 0.5).toFixed(1)} (${quantile(values, 0.25).toFixed(1)}–${quantile(values, 0.75).toFixed(1)})`;
const ratios = samplesB.map((value, index) => value / samplesA[index]!);
console.log(`${masking ? "admitRequest + maskedRequest" : "admitRequest"} ${heapMode ? "heap bytes" : "µs"} per request (${mix} policies), ${rounds} rounds × ${batch}: A ${show(samplesA)}  B ${show(samplesB)}  B/A ${quantile(ratios, 0.5).toFixed(3)} (${quantile(ratios, 0.25).toFixed(3)}–${quantile(ratios, 0.75).toFixed(3)})`);
