// The output sink over real Node streams: flush waits for every write to reach the stream's
// target, a failure is remembered (and stops later writes) instead of thrown, and a command
// waiting for room learns of a failure instead of waiting for a `drain` that never comes.
import { Writable } from "node:stream";
import { describe, expect, it } from "vitest";
import { createOutputSink, isClosedPipe, OutputClosedError } from "./output-sink.js";

// A stream whose writes complete only when the test says so, like a pipe nobody reads yet.
function heldStream(highWaterMark = 16) {
  const written: string[] = [];
  const held: Array<(error?: Error) => void> = [];
  const stream = new Writable({
    highWaterMark,
    decodeStrings: false,
    write(chunk: string, _encoding, callback) {
      held.push((error) => {
        if (!error) written.push(chunk);
        callback(error);
      });
    },
  });
  return { stream, written, release: (error?: Error) => held.shift()?.(error), held };
}

const epipe = () => Object.assign(new Error("write EPIPE"), { code: "EPIPE" });

describe("output sink", () => {
  it("flushes only once every write has reached the stream", async () => {
    const { stream, written, release, held } = heldStream();
    const sink = createOutputSink(stream);
    const events: string[] = [];
    sink.write("one ");
    sink.write("two");
    const flush = sink.flush().then((failure) => {
      events.push("flushed");
      return failure;
    });
    // Writes complete one at a time; the flush may resolve only after the last.
    while (held.length > 0 || written.length < 2) {
      await new Promise((resolve) => setImmediate(resolve));
      if (held.length > 0) {
        release();
        events.push("written");
      }
    }
    expect(await flush).toBeUndefined();
    expect(events).toEqual(["written", "written", "flushed"]);
    expect(written.join("")).toBe("one two");
  });

  it("has room below the high-water mark and waits for drain above it", async () => {
    const { stream, release, held } = heldStream(8);
    const sink = createOutputSink(stream);
    sink.write("1234");
    await expect(sink.ready()).resolves.toBeUndefined();
    sink.write("567890");
    const events: string[] = [];
    const waiting = sink.ready().then(() => events.push("ready"));
    while (held.length > 0 || events.length < 2) {
      await new Promise((resolve) => setImmediate(resolve));
      if (held.length > 0) {
        release();
        events.push("written");
      }
    }
    await waiting;
    expect(events).toEqual(["written", "written", "ready"]);
  });

  it("remembers a failure without throwing, drops later writes and tells a waiting writer", async () => {
    const { stream, written, release } = heldStream(4);
    const sink = createOutputSink(stream);
    sink.write("a long line");
    const waiting = sink.ready();
    release(epipe());
    const closed = await waiting.then(() => undefined, (error: unknown) => error);
    expect(closed).toBeInstanceOf(OutputClosedError);
    sink.write("after");
    const failure = await sink.flush();
    expect(failure && isClosedPipe(failure)).toBe(true);
    await expect(sink.ready()).rejects.toBeInstanceOf(OutputClosedError);
    expect(written).toEqual([]);
  });

  it("tells a closed pipe from other failures", () => {
    expect(isClosedPipe(epipe())).toBe(true);
    expect(isClosedPipe(Object.assign(new Error("no space"), { code: "ENOSPC" }))).toBe(false);
  });
});
