// Every listing reaches a pipe whole, as a real `palisade` process writes it (issue 17: output was
// cut at 64 KiB because the process exited before stdout drained). Each listing prints more than
// 1 MiB through a pipe the test reads, byte for byte what the same command writes to a file; a
// reader that closes after the first line (`| head -n 1`) gets exit 0 and nothing on stderr; a
// stdout that fails otherwise (/dev/full) exits 1 and says why; sessions stream, a page asked for
// only as the one before it is written.
import { spawn } from "node:child_process";
import { mkdtemp, open, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import type { Interceptor } from "@connectrpc/connect";
import { createConnectTransport } from "@connectrpc/connect-node";
import { afterAll, describe, expect, it } from "vitest";
import { createAdminClients } from "../../cli/client.js";
import type { CliContext } from "../../cli/context.js";
import { runCli } from "../../cli/run.js";
import { useControlPlaneBed } from "../support/control-plane-bed.js";
import { SEEDED, seedListings, SESSIONS_FROM, SESSIONS_UNTIL } from "./listing-seed.js";

const BIN = fileURLToPath(new URL("../../cli/bin.js", import.meta.url));
const MiB = 1024 * 1024;
const iso = (ms: number) => new Date(ms).toISOString();

// Every command that lists, in a mix of formats (each kind of `get`, agents both ways, sessions
// streamed as JSON lines too). `json` says the output must parse as one array of at least that many.
const LISTINGS: { args: string[]; json?: number }[] = [
  { args: ["get", "connections", "-o", "json"], json: SEEDED.resourcesPerKind },
  { args: ["get", "idp", "-o", "yaml"] },
  { args: ["get", "serviceaccounts", "-o", "json"], json: SEEDED.resourcesPerKind },
  { args: ["get", "policies", "-o", "yaml"] },
  { args: ["get", "rolebindings", "-o", "json"], json: SEEDED.resourcesPerKind },
  { args: ["get", "alertrules", "-o", "yaml"] },
  { args: ["get", "auditsinks", "-o", "json"], json: SEEDED.resourcesPerKind },
  { args: ["get", "agents", "-o", "yaml"] },
  { args: ["agent", "list", "-o", "json"], json: SEEDED.agents },
  { args: ["audit", "list", "--limit", "10000", "-o", "json"], json: SEEDED.sessions },
  { args: ["audit", "list", "--limit", "10000", "-o", "jsonl"] },
  { args: ["audit", "search", "--connection", "openai", "--since", iso(SESSIONS_FROM), "--limit", "10000", "-o", "jsonl"] },
  { args: ["review", "list", "--limit", "1000", "-o", "json"], json: SEEDED.reviews },
  { args: ["alerts", "--limit", "1000", "-o", "yaml"] },
  { args: ["blocks", "--limit", "1000"] },
  { args: ["usage", "--by", "subject,connection,model", "--since", iso(SESSIONS_FROM), "--until", iso(SESSIONS_UNTIL), "-o", "json"] },
];

interface Exit {
  code: number | null;
  signal: NodeJS.Signals | null;
  stderr: string;
}

// Made before the bed starts (its seed names a directory for the sinks' files).
const dir = await mkdtemp(join(tmpdir(), "palisade-pipe-"));
afterAll(() => rm(dir, { recursive: true, force: true }));
const { env } = useControlPlaneBed({
  seed: seedListings(join(dir, "sinks")),
  // The alert rules and sinks stay idle: no evaluation or delivery pass during the test.
  controlPlane: { alertIntervalMs: 3_600_000, sinkTimings: { pollMs: 3_600_000 } },
});

// `palisade ARGS` as its own process, stdout to `stdout` (a pipe, or a file descriptor).
function start(args: string[], stdout: "pipe" | number) {
  const child = spawn(process.execPath, [BIN, ...args], { env: { ...process.env, ...env }, stdio: ["ignore", stdout, "pipe"] });
  let stderr = "";
  child.stderr!.setEncoding("utf8").on("data", (text: string) => (stderr += text));
  const exited = new Promise<Exit>((resolve, reject) => {
    child.once("error", reject);
    child.once("close", (code, signal) => resolve({ code, signal, stderr }));
  });
  return { child, exited };
}

async function toFile(args: string[], path: string): Promise<Exit & { output: Buffer }> {
  const handle = await open(path, "w");
  try {
    const exit = await start(args, handle.fd).exited;
    return { ...exit, output: await readFile(path) };
  } finally {
    await handle.close();
  }
}

async function throughPipe(args: string[]): Promise<Exit & { output: Buffer }> {
  const { child, exited } = start(args, "pipe");
  const chunks: Buffer[] = [];
  child.stdout!.on("data", (chunk: Buffer) => chunks.push(chunk));
  const exit = await exited;
  return { ...exit, output: Buffer.concat(chunks) };
}

// Reads up to the first newline, then closes the pipe as `head -n 1` does.
async function firstLine(args: string[]): Promise<Exit & { line: string }> {
  const { child, exited } = start(args, "pipe");
  const line = await new Promise<string>((resolve, reject) => {
    let text = "";
    child.stdout!.setEncoding("utf8").on("data", (chunk: string) => {
      text += chunk;
      const end = text.indexOf("\n");
      if (end < 0) return;
      child.stdout!.destroy();
      resolve(text.slice(0, end));
    });
    child.stdout!.once("end", () => reject(new Error(`the output ended without a newline: ${text.slice(0, 200)}`)));
  });
  return { ...(await exited), line };
}

describe.each(LISTINGS.map((listing) => ({ ...listing, command: listing.args.join(" ") })))("palisade $command", ({ args, json }) => {
  it("prints more than 1 MiB through a pipe exactly as to a file, and stops quietly when the reader closes after one line", async () => {
    const name = args.join("_").replace(/[^a-z0-9_-]/gi, "");
    const [file, piped, head] = await Promise.all([toFile(args, join(dir, `${name}.out`)), throughPipe(args), firstLine(args)]);
    expect(file, file.stderr).toMatchObject({ code: 0, stderr: "" });
    expect(file.output.length).toBeGreaterThan(MiB);
    if (json !== undefined) expect((JSON.parse(file.output.toString("utf8")) as unknown[]).length).toBeGreaterThanOrEqual(json);
    expect(piped, piped.stderr).toMatchObject({ code: 0, signal: null, stderr: "" });
    expect(piped.output.length).toBe(file.output.length);
    expect(piped.output.equals(file.output)).toBe(true);
    expect(head).toMatchObject({ code: 0, signal: null, stderr: "" });
    expect(head.line).toBe(file.output.toString("utf8").split("\n")[0]);
  }, 120_000);
});

describe("a stdout that cannot be written", () => {
  it.each([
    ["a listing printed at once", ["get", "policies", "-o", "yaml"]],
    ["a streamed listing", ["audit", "list", "--limit", "10000", "-o", "jsonl"]],
  ])("exits 1 naming the failure: %s", async (_, args) => {
    const full = await open("/dev/full", "w");
    try {
      const exit = await start(args, full.fd).exited;
      expect(exit).toMatchObject({ code: 1, signal: null });
      expect(exit.stderr).toBe("error: cannot write to standard output: ENOSPC: no space left on device, write\n");
    } finally {
      await full.close();
    }
  }, 60_000);
});

describe("a streamed session listing", () => {
  it("asks for a page only as the one before it is written (never more than one ahead)", async () => {
    let pagesAsked = 0;
    const count: Interceptor = (next) => (request) => {
      if (request.method.name === "ListSessions") pagesAsked += 1;
      return next(request);
    };
    const lines: string[] = [];
    const askedAtLine: number[] = [];
    const ctx: CliContext = {
      out: (text) => void lines.push(text),
      // What stdout's room decides: the next item is produced only after this resolves.
      write: async (text) => {
        askedAtLine.push(pagesAsked);
        lines.push(text);
      },
      err: (text) => void lines.push(`stderr: ${text}`),
      flush: async () => undefined,
      readStdin: async () => "",
      env,
      connect: (server, token) => createAdminClients(createConnectTransport({
        baseUrl: server, httpVersion: "1.1",
        interceptors: [count, (next) => (request) => { request.header.set("authorization", `Bearer ${token}`); return next(request); }],
      })),
      untilStopped: () => new Promise(() => {}),
    };
    expect(await runCli(["audit", "list", "--limit", "10000", "-o", "jsonl"], ctx)).toBe(0);
    expect(lines).toHaveLength(SEEDED.sessions);
    expect(pagesAsked).toBe(Math.ceil(SEEDED.sessions / 1000));
    // While line i (0-based) is written, at most its page and the next have been asked for: the
    // first line goes out before the last page is asked for, and nothing is fetched far ahead.
    const ahead = askedAtLine.flatMap((asked, i) => (asked > Math.floor(i / 1000) + 2 ? [`line ${i}: ${asked} pages asked`] : []));
    expect(ahead).toEqual([]);
  });
});
