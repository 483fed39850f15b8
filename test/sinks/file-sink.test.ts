// File sink: every entry once, in seq order, as JSON lines in the documented schema; rotation by
// size keeps path.1..path.N and drops the oldest; event type filters; the cursor follows.
import { mkdtemp, readdir, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { appendAuditEvents } from "../../control-plane/audit/audit-log.js";
import { eventually } from "../support/eventually.js";
import { type SinkHarness, startSinkHarness } from "./sink-harness.js";

// biome-ignore lint/suspicious/noExplicitAny: parsed JSON lines, read field by field in assertions
async function lines(path: string): Promise<Array<Record<string, any>>> {
  const text = await readFile(path, "utf8").catch(() => "");
  return text.split("\n").filter(Boolean).map((line) => JSON.parse(line));
}

describe("file sink", () => {
  let harness: SinkHarness;
  let dir: string;
  beforeAll(async () => {
    harness = await startSinkHarness();
    dir = await mkdtemp(join(tmpdir(), "palisade-file-sink-"));
  });
  afterAll(async () => {
    await harness?.close();
    await rm(dir, { recursive: true, force: true });
  });

  it("writes every entry once, in order, rotating by size", async () => {
    const path = join(dir, "rotating", "audit.jsonl");
    await harness.append(40);
    await harness.apply({ name: "rotating", target: { case: "file", value: { path, maxBytes: 4096n, maxFiles: 3 } } });
    await harness.deliver();
    await eventually("the cursor at 40", async () => (await harness.cursor("rotating")) === 40);
    await harness.append(30, 41);
    await eventually("the cursor at 70", async () => (await harness.cursor("rotating")) === 70);

    const names = (await readdir(join(dir, "rotating"))).sort();
    expect(names).toEqual(["audit.jsonl", "audit.jsonl.1", "audit.jsonl.2", "audit.jsonl.3"]);
    const files = [`${path}.3`, `${path}.2`, `${path}.1`, path];
    const all = (await Promise.all(files.map(lines))).flat();
    for (const file of files) {
      expect((await readFile(file)).length).toBeLessThanOrEqual(4096);
    }
    // The oldest rotated file was dropped: what remains is a gapless run ending at 70.
    const seqs = all.map((event) => event.palisade.seq as number);
    expect(seqs.at(-1)).toBe(70);
    expect(seqs).toEqual(Array.from({ length: seqs.length }, (_, i) => 71 - seqs.length + i));
    expect(seqs.length).toBeLessThan(70);

    const event = all.at(-1)!;
    expect(event).toMatchObject({
      event: { kind: "event", category: ["configuration"], action: "test", dataset: "palisade.admin", sequence: 70 },
      user: { id: "user-1" },
      palisade: { schema: 2, seq: 70, type: "admin", payload: { action: "test", n: 70, note: "café ☕" } },
    });
    expect(event.palisade.hash).toMatch(/^[0-9a-f]{64}$/);
    expect(Date.parse(event["@timestamp"])).not.toBeNaN();
  });

  it("sends only the selected event types and still moves its cursor past the others", async () => {
    const path = join(dir, "alerts.jsonl");
    await harness.apply({ name: "alerts-only", target: { case: "file", value: { path } }, events: ["alert"] });
    await harness.append(3, 100, "alert");
    await harness.append(2, 200, "admin");
    // An alert whose rule names other sinks is not for this one.
    await harness.db.transaction((tx) => appendAuditEvents(tx, [{ type: "alert", subject: "x", payload: { n: 300, sinks: ["elsewhere"] } }]));
    await harness.db.transaction((tx) => appendAuditEvents(tx, [{ type: "alert", subject: "x", payload: { n: 301, sinks: ["alerts-only"] } }]));
    const head = 77;
    await eventually("the cursor at the head", async () => (await harness.cursor("alerts-only")) === head);
    const written = await lines(path);
    expect(written.map((event) => event.palisade.payload.n)).toEqual([100, 101, 102, 301]);
    expect(written.every((event) => event.event.kind === "alert")).toBe(true);
  });
});
