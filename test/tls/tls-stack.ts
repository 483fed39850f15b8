// A control plane serving HTTPS with a certificate from a test CA, a stand-in provider, and the
// pieces TLS tests need around them: CLI settings that trust the CA, HTTP clients that trust it,
// and a logger whose lines a test can read.
import net from "node:net";
import { join } from "node:path";
import { Writable } from "node:stream";
import tls from "node:tls";
import pino, { type Logger } from "pino";
import { Agent as UndiciAgent, request } from "undici";
import { expect } from "vitest";
import { startControlPlane, type ControlPlane } from "../../control-plane/control-plane.js";
import { runPalisade } from "../cli/test-context.js";
import { testDatabase, type TestDatabase } from "../support/database.js";
import { startStandInProvider, type StandInProvider } from "../support/stand-in-provider.js";
import { createTestPki, type Pem, type TestPki } from "./certificates.js";

const ADMIN_TOKEN = "pat_tls-admin-token-0123456789";

/** A running TLS control plane and what surrounds it. */
export interface TlsStack {
  pki: TestPki;
  db: TestDatabase;
  controlPlane: ControlPlane;
  provider: StandInProvider;
  /** Admin command settings: the https server, the admin token, and the CA file in PALISADE_CA_FILE. */
  env: Record<string, string>;
  close(): Promise<void>;
}

/** Starts a control plane with TLS (certificate for localhost, 127.0.0.1 and ::1). */
export async function startTlsStack(): Promise<TlsStack> {
  const pki = await createTestPki();
  const db = await testDatabase();
  const controlPlane = await startControlPlane({
    listen: "127.0.0.1:0",
    databaseUrl: db.url,
    // Where the key sealing stored secrets is created (the database itself is db.url's).
    dataDir: join(pki.dir, "control-plane"),
    adminToken: ADMIN_TOKEN,
    tls: { certFile: pki.files.certFile, keyFile: pki.files.keyFile },
  });
  const provider = await startStandInProvider();
  const env = {
    PALISADE_SERVER: controlPlane.url,
    PALISADE_TOKEN: ADMIN_TOKEN,
    PALISADE_DATA_DIR: "/nonexistent",
    PALISADE_CA_FILE: pki.files.caFile,
  };
  return {
    pki,
    db,
    controlPlane,
    provider,
    env,
    async close() {
      await controlPlane.close();
      await provider.close();
      await db.close();
      await pki.remove();
    },
  };
}

/** Runs `palisade ARGS` and fails the test on a non-zero exit; resolves with stdout. */
export async function palisade(env: Record<string, string>, args: string[], stdin = ""): Promise<string> {
  const run = await runPalisade(args, env, stdin);
  expect(run.code, run.stderr).toBe(0);
  return run.stdout;
}

/**
 * Enrols an agent, adds the `standin` connection and an allow-all policy, and issues a caller token.
 * The policy is applied on its own: until policies exist (default deny), its refusal is harmless.
 */
export async function prepareAgent(stack: TlsStack, agentName: string): Promise<{ enrolment: string; callerToken: string }> {
  const enrolment = (await palisade(stack.env, ["agent", "create", agentName])).trim();
  await palisade(stack.env, ["apply", "-f", "-"], `kind: Connection
name: standin
provider: openai
upstream: ${stack.provider.url}
credential: { header: authorization, value: Bearer sk-stand-in-upstream }
`);
  await runPalisade(["apply", "-f", "-"], stack.env, `kind: Policy
name: allow-all
priority: -1000
connections: ["*"]
action: allow
`);
  const callerToken = (await palisade(stack.env, ["token", "create", "--subject", `${agentName}@example.com`])).trim();
  return { enrolment, callerToken };
}

/** An undici dispatcher that trusts `ca` (PEM) only. */
export function trusting(ca: string): UndiciAgent {
  return new UndiciAgent({ connect: { ca } });
}

/** Status of `GET <agentUrl>/standin/v1/models` with the caller token, over a dispatcher trusting `ca`. */
export async function modelsStatus(agentUrl: string, token: string, dispatcher: UndiciAgent): Promise<number> {
  const response = await request(`${agentUrl}/standin/v1/models`, {
    headers: { authorization: `Bearer ${token}` },
    dispatcher,
  });
  await response.body.dump();
  return response.statusCode;
}

/** HTTPS in front of an HTTP server (a private provider's TLS): `https://localhost:PORT`, closed by `close`. */
export async function startTlsTerminator(target: string, pem: Pem): Promise<{ url: string; close(): Promise<void> }> {
  const { hostname, port } = new URL(target);
  const sockets = new Set<net.Socket>();
  const server = tls.createServer({ cert: pem.cert, key: pem.key }, (socket) => {
    const back = net.connect(Number(port), hostname);
    for (const s of [socket, back]) {
      sockets.add(s);
      s.once("close", () => sockets.delete(s));
    }
    socket.on("error", () => back.destroy());
    back.on("error", () => socket.destroy());
    socket.pipe(back).pipe(socket);
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const bound = (server.address() as net.AddressInfo).port;
  return {
    url: `https://localhost:${bound}`,
    close: () =>
      new Promise<void>((resolve) => {
        for (const socket of sockets) socket.destroy();
        server.close(() => resolve());
      }),
  };
}

/** A debug-level logger and the JSON lines it wrote so far. */
export function capturedLogger(): { logger: Logger; lines: () => Record<string, unknown>[] } {
  const lines: Record<string, unknown>[] = [];
  const sink = new Writable({
    write(chunk: Buffer, _encoding, done) {
      for (const line of chunk.toString().split("\n")) if (line.trim() !== "") lines.push(JSON.parse(line) as Record<string, unknown>);
      done();
    },
  });
  return { logger: pino({ level: "debug" }, sink), lines: () => lines };
}
