// Differential harnesses (not tests: run by hand, each prints every difference it finds and a
// summary). They load the same modules from two compiled builds in one process — a reference
// (REF_DIST, e.g. a worktree of the commit before a round of exact speed cuts, built with
// `npm run build:server`) and the build under test (NEW_DIST, default this checkout's dist/) — and
// feed both the same inputs:
//
//   REF_DIST=/path/to/ref/dist npx tsx test/differential/request-diff.ts   (SEED, RUNS, ONLY=corpus,gen,families,scale,prose,splits; QUIET_SEEN)
//   REF_DIST=… npx tsx test/differential/reply-diff.ts                    (SEED, RUNS, NO_COLON)
//   REF_DIST=… npx tsx test/differential/encoder-diff.ts                  (toBinary of the reference against the compiled encoder)
//   REF_DIST=… npx tsx test/differential/condition-diff.ts
//   ROOT=<worktree> npx tsx test/differential/e2e-run.ts > out.jsonl      (once per worktree, then compare the two files)
//
// Against 5b12c29 (before issue 13's third round) they found no difference in the round's cuts;
// the red-team fixes of that day change outputs on purpose (a string opening with a colon is no
// duplicate key, keywords spelled by cut escapes), which they then report: QUIET_SEEN and NO_COLON
// set those apart.
const ref = process.env.REF_DIST;
if (!ref) throw new Error("set REF_DIST to the reference build's dist/ directory");
export const REF: string = ref;
export const NEW = process.env.NEW_DIST ?? new URL("../../dist", import.meta.url).pathname;

// biome-ignore lint/suspicious/noExplicitAny: two builds' modules, compared by value
type Any = any;

export interface Build {
  name: string;
  canonicalBody: Any;
  inspectRequest: Any;
  contentView: Any;
  maskedRequest: Any;
  createMaskSession: Any;
  compileDetectors: Any;
  keywordMatcher: Any;
  compileContentMatch: Any;
  providers: { openai: Any; anthropic: Any; generic: Any };
  startExchangeRecorder: Any;
  createExchangeBuffer: Any;
  createSseParser: Any;
  createUsageChunkFilter: Any;
  readStream: Any;
  readWhole: Any;
  gen: Any;
}

export async function load(dist: string, name: string): Promise<Build> {
  const m = (path: string) => import(`${dist}/${path}`);
  return {
    name,
    canonicalBody: (await m("agent/inspection/canonical-body.js")).canonicalBody,
    inspectRequest: (await m("agent/inspection/request-inspection.js")).inspectRequest,
    contentView: (await m("agent/inspection/content-view.js")).contentView,
    maskedRequest: (await m("agent/inspection/mask-canonical.js")).maskedRequest,
    createMaskSession: (await m("agent/masking/mask-session.js")).createMaskSession,
    compileDetectors: (await m("core/detectors/compile-detectors.js")).compileDetectors,
    keywordMatcher: (await m("agent/policy/content-match.js")).keywordMatcher,
    compileContentMatch: (await m("agent/policy/content-match.js")).compileContentMatch,
    providers: {
      openai: (await m("agent/providers/openai.js")).openai,
      anthropic: (await m("agent/providers/anthropic.js")).anthropic,
      generic: (await m("agent/providers/generic.js")).generic,
    },
    startExchangeRecorder: (await m("agent/record/exchange-recorder.js")).startExchangeRecorder,
    createExchangeBuffer: (await m("agent/stream/exchange-buffer.js")).createExchangeBuffer,
    createSseParser: (await m("agent/sse/sse-parser.js")).createSseParser,
    createUsageChunkFilter: (await m("agent/providers/openai-stream-usage.js")).createUsageChunkFilter,
    readStream: (await m("agent/record/response-reading.js")).readStream,
    readWhole: (await m("agent/record/response-reading.js")).readWhole,
    gen: await m("gen/palisade/agent/v1/exchange_pb.js"),
  };
}
