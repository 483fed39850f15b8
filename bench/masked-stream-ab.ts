// In-process A/B of the overhead bench's 261-event masked chat stream (bench/stream-masker.bench.ts's
// stream and mask policy) through two builds' reply masker and usage-chunk filter: `old` and `new`
// are two dist/ roots (a build of the commit before a change in another worktree with node_modules,
// and this worktree's dist after `npm run build:server`).
// The stream is pushed as the relay reads it: its first 2 KB, then the rest (agent/http/
// relay-inspected.ts masks a long first read's first slice first), or in 16 KB reads, or whole.
// Interleaved batches (order alternating per round), thread CPU per stream, medians with ranges and
// the median of paired ratios; then heap bytes allocated per stream (between two forced GCs, with a
// young generation large enough that none runs in between). Not one of `npm run bench`'s benches:
//   node --expose-gc --max-semi-space-size=64 --import tsx bench/masked-stream-ab.ts OLD_DIST NEW_DIST
const [oldRoot = "/work/wt/base/dist", newRoot = `${process.cwd()}/dist`] = process.argv.slice(2);

type Session = { responseStream(): { push(chunk: Buffer): { client: Buffer }; end(): { client: Buffer } } };
type Build = { session: () => Session; filter: () => { push(chunk: Buffer): unknown; end(): unknown } };

async function load(root: string): Promise<Build> {
  const { createMaskSession } = await import(`${root}/agent/masking/mask-session.js`);
  const { createUsageChunkFilter } = await import(`${root}/agent/providers/openai-stream-usage.js`);
  const { compileDetectors } = await import(`${root}/core/detectors/compile-detectors.js`);
  const detectors = compileDetectors({ builtins: ["email", "phone", "payment-card", "secrets"], patterns: [], words: [] });
  const rules = [{ policy: "mask-pii", detectors, direction: "both", style: "redact", restore: false }];
  return { session: () => createMaskSession("openai", "/v1/chat/completions", rules), filter: createUsageChunkFilter };
}

function chatStream(): Buffer {
  const base = { id: "chatcmpl-bench", object: "chat.completion.chunk", created: 0, model: "gpt-4o-mini", system_fingerprint: null };
  const chunk = (delta: object, finish: string | null) => `data: ${JSON.stringify({ ...base, choices: [{ index: 0, delta, logprobs: null, finish_reason: finish }] })}\n\n`;
  let text = chunk({ role: "assistant", content: "" }, null);
  for (let index = 0; index < 258; index++) text += chunk({ content: ` tok${index}` }, null);
  return Buffer.from(`${text}${chunk({}, "stop")}data: [DONE]\n\n`);
}

const sse = chatStream();
const cuts: Record<string, Buffer[]> = {
  "2 KB, rest": [sse.subarray(0, 2048), sse.subarray(2048)],
  "16 KB reads": Array.from({ length: Math.ceil(sse.length / 16384) }, (_, i) => sse.subarray(i * 16384, (i + 1) * 16384)),
  whole: [sse],
};

function stream(build: Build, chunks: Buffer[]): string {
  const masker = build.session().responseStream();
  const filter = build.filter();
  let out = "";
  for (const chunk of chunks) {
    const client = masker.push(chunk).client;
    out += client.length;
    filter.push(client);
  }
  filter.push(masker.end().client);
  filter.end();
  return out;
}

const cpuMs = () => {
  const usage = process.threadCpuUsage();
  return (usage.user + usage.system) / 1000;
};
const quantile = (values: number[], q: number) => [...values].sort((a, b) => a - b)[Math.floor(q * (values.length - 1))];
const gc = (globalThis as { gc?: () => void }).gc;

function allocated(build: Build, chunks: Buffer[], n: number): number {
  if (!gc) return Number.NaN;
  gc();
  gc();
  const before = process.memoryUsage().heapUsed;
  for (let i = 0; i < n; i++) stream(build, chunks);
  const after = process.memoryUsage().heapUsed;
  return (after - before) / n / 1024;
}

const builds = { old: await load(oldRoot), new: await load(newRoot) };
for (const [name, chunks] of Object.entries(cuts)) {
  if (stream(builds.old, chunks) !== stream(builds.new, chunks)) throw new Error(`${name}: the builds write different lengths`);
  for (let warm = 0; warm < 200; warm++) for (const build of Object.values(builds)) stream(build, chunks);
  const cpu = { old: [] as number[], new: [] as number[] };
  const ratios: number[] = [];
  for (let round = 0; round < 30; round++) {
    const order = round % 2 === 0 ? (["old", "new"] as const) : (["new", "old"] as const);
    for (const label of order) {
      const start = cpuMs();
      for (let run = 0; run < 40; run++) stream(builds[label], chunks);
      cpu[label].push((cpuMs() - start) / 40);
    }
    ratios.push(cpu.new[round] / cpu.old[round]);
  }
  const alloc = { old: [] as number[], new: [] as number[] };
  for (let round = 0; round < 20; round++) for (const label of round % 2 === 0 ? (["old", "new"] as const) : (["new", "old"] as const)) alloc[label].push(allocated(builds[label], chunks, 20));
  console.log(`${name} (${chunks.length} pushes):`);
  for (const label of ["old", "new"] as const) {
    const t = cpu[label];
    console.log(`  ${label} ${quantile(t, 0.5).toFixed(3)} ms CPU (range ${Math.min(...t).toFixed(3)}–${Math.max(...t).toFixed(3)}); heap ${quantile(alloc[label], 0.5).toFixed(0)} KB per stream (range ${Math.min(...alloc[label]).toFixed(0)}–${Math.max(...alloc[label]).toFixed(0)})`);
  }
  console.log(`  new/old paired ${quantile(ratios, 0.5).toFixed(3)} (p25–p75 ${quantile(ratios, 0.25).toFixed(3)}–${quantile(ratios, 0.75).toFixed(3)})`);
}
