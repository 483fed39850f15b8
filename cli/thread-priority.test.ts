import { readFileSync } from "node:fs";
import { Worker } from "node:worker_threads";
import { describe, expect, it } from "vitest";
import { threadId } from "./thread-priority.js";

// The nice value of thread `id` of this process, field 19 of its stat (after the command's ")").
const niceOf = (id: number) => Number(readFileSync(`/proc/self/task/${id}/stat`, "utf8").split(") ")[1]!.split(" ")[16]);

describe.runIf(threadId() !== undefined)("lowerThreadPriority", () => {
  it("lowers the calling thread alone", async () => {
    const mainBefore = niceOf(threadId()!);
    const module = new URL("./thread-priority.ts", import.meta.url).href;
    // A worker lowers itself and reports its id; the main thread's nice value does not move.
    const source = `const { parentPort } = require("node:worker_threads");
      import(${JSON.stringify(module)}).then((m) => parentPort.postMessage({ lowered: m.lowerThreadPriority(7), id: m.threadId() }), (e) => parentPort.postMessage({ error: String(e) }));
      parentPort.once("message", () => process.exit(0));`;
    const worker = new Worker(source, { eval: true, execArgv: ["--import", "tsx"] });
    const reply = await new Promise<{ lowered: boolean; id: number; error?: string }>((resolve) => worker.once("message", resolve));
    expect(reply.error).toBeUndefined();
    expect(reply.lowered).toBe(true);
    expect(niceOf(reply.id)).toBe(7);
    expect(niceOf(threadId()!)).toBe(mainBefore);
    worker.postMessage("done");
    await new Promise((resolve) => worker.once("exit", resolve));
  });
});
