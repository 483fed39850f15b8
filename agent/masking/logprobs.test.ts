// Logprob entries reach the caller only where they spell the text that went out, and their
// alternatives are read as text of their own (in order and rank by rank), whole or streamed.
import { describe, expect, it } from "vitest";
import { createMaskContext } from "./mask-context.js";
import { createLogprobQueue, keptEntries } from "./logprobs.js";
import { createTextStream } from "./text-stream.js";
import { rule } from "./test-rules.js";

const EMAIL = "jane.doe@example.com";
const entry = (token: string, alternatives: string[] = []) => ({
  token, logprob: -0.5, bytes: [...Buffer.from(token)], top_logprobs: alternatives.map((alternative) => ({ token: alternative, logprob: -2, bytes: [...Buffer.from(alternative)] })),
});
const tokens = (entries: unknown[]) => entries.map((kept) => (kept as { token: string }).token);
const alternatives = (entries: unknown[]) => entries.map((kept) => (kept as { top_logprobs: { token: string }[] }).top_logprobs.map((alternative) => alternative.token));
const reply = () => createMaskContext([rule()]).reply;

describe("logprobs", () => {
  it("keeps entries that spell unchanged text, with their alternatives, and only their known fields", () => {
    const entries = [{ ...entry("Hello", ["Hi", "Hey"]), x_note: EMAIL }, entry(" world", [" there"])];
    const kept = keptEntries(reply(), "x", entries, "Hello world", []);
    expect(kept).toEqual([entry("Hello", ["Hi", "Hey"]), entry(" world", [" there"])]);
  });

  it("removes entries over a masked value, and every entry from the first that does not spell the text", () => {
    const text = `to ${EMAIL} ok`;
    const spans = [[3, 3 + EMAIL.length] as const];
    expect(tokens(keptEntries(reply(), "x", [entry("to "), entry(EMAIL), entry(" ok")], text, spans))).toEqual(["to ", " ok"]);
    expect(keptEntries(reply(), "x", [entry("zoe.quill@"), entry("example.org")], "abcdefghij klmnopqrst", [])).toEqual([]);
    expect(tokens(keptEntries(reply(), "x", [entry("ab"), entry("zz")], "abcd", []))).toEqual([]);
    expect(keptEntries(reply(), "x", [{ ...entry("ok"), bytes: [...Buffer.from(EMAIL)] }], "ok", [])).toEqual([]);
  });

  it("reads alternatives in order and rank by rank: those forming a value go, the others stay", () => {
    // Alternatives join without separators (they are pieces of words): what glues into a value goes.
    const byRank = keptEntries(reply(), "x", [entry("a", [" q", "jane.doe@"]), entry("b", [" r", "example.com"]), entry("c", [" s", " t"])], "abc", []);
    expect(alternatives(byRank)).toEqual([[" q"], [" r"], [" s", " t"]]);
    const inOrder = keptEntries(reply(), "x", [entry("a", [" q ", "jane.doe@"]), entry("b", ["example.com", " r"])], "ab", []);
    expect(alternatives(inOrder)).toEqual([[" q "], [" r"]]);
    const badBytes = keptEntries(reply(), "x", [{ ...entry("a"), top_logprobs: [{ token: "x", logprob: -1, bytes: [...Buffer.from(EMAIL)] }, { token: "y", logprob: -1, bytes: null }] }], "a", []);
    expect(alternatives(badBytes)).toEqual([["y"]]);
  });

  it("releases streamed entries with their text, once their alternatives are settled too", () => {
    const masking = reply();
    const stream = createTextStream(masking, "x");
    const queue = createLogprobQueue(masking, "x.logprobs");
    stream.onRelease = (release) => queue.release(release);
    const out: unknown[] = [];
    const pieces: [string, string[]][] = [["The", ["A"]], [" cat", [" dog", " jane.doe@"]], [" sat", [" ran", "example.com"]], [".", ["!"]]];
    for (const [piece, alts] of pieces) {
      queue.add([entry(piece, alts)], piece);
      stream.push(piece);
      out.push(...queue.take());
    }
    stream.flush();
    queue.finish();
    out.push(...queue.take());
    expect(tokens(out)).toEqual(["The", " cat", " sat", "."]);
    expect(alternatives(out)).toEqual([["A"], [" dog"], [" ran"], ["!"]]);
    expect(queue.kept).toEqual(out);
  });
});
