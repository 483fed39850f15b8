// The CLI against a control plane serving HTTPS: admin commands trust the CA of --ca-file (or
// PALISADE_CA_FILE) and say what to do when they do not; Connect JSON over HTTP/1.1 works as curl
// sends it; bad certificate files and half a key pair stop a server before it starts, in one line;
// `up` with certificates prints https:// addresses.
import { randomBytes } from "node:crypto";
import { writeFile } from "node:fs/promises";
import { join } from "node:path";
import { request } from "undici";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { CliContext } from "../../cli/context.js";
import { createAdminClients, createAdminTransport } from "../../cli/client.js";
import { runCli } from "../../cli/run.js";
import { runPalisade } from "../cli/test-context.js";
import { eventually } from "../support/eventually.js";
import { testDatabase } from "../support/database.js";
import { startTlsStack, trusting, type TlsStack } from "./tls-stack.js";

let stack: TlsStack;
beforeAll(async () => {
  stack = await startTlsStack();
});
afterAll(async () => {
  await stack?.close();
});

/** The stack's settings less the CA file. */
function withoutCa(): Record<string, string> {
  const { PALISADE_CA_FILE: _ca, ...env } = stack.env;
  return env;
}

describe("admin commands over https", () => {
  it("work with --ca-file, and with PALISADE_CA_FILE", async () => {
    const byFlag = await runPalisade(["agent", "create", "by-flag", "--ca-file", stack.pki.files.caFile], withoutCa());
    expect(byFlag.code, byFlag.stderr).toBe(0);
    expect(byFlag.stdout).toMatch(/^by-flag\./);
    expect(byFlag.stderr).toMatch(new RegExp(`PALISADE_AGENT_TOKEN=by-flag\\.\\S+ npx palisade agent --server ${stack.controlPlane.url} --ca-file ${stack.pki.files.caFile}\n`));
    const byEnv = await runPalisade(["get", "agents", "-o", "json"], stack.env);
    expect(byEnv.code, byEnv.stderr).toBe(0);
    expect(JSON.parse(byEnv.stdout)).toEqual(expect.arrayContaining([expect.objectContaining({ name: "by-flag" })]));
  });

  it("fail in one line naming --ca-file when the certificate is not trusted", async () => {
    for (const env of [withoutCa(), { ...stack.env, PALISADE_CA_FILE: stack.pki.files.otherCaFile }]) {
      const run = await runPalisade(["get", "agents"], env);
      expect(run.code).toBe(1);
      expect(run.stdout).toBe("");
      expect(run.stderr).toBe(
        `error: cannot reach the control plane at ${stack.controlPlane.url} (its TLS certificate is not trusted ` +
          "(UNABLE_TO_VERIFY_LEAF_SIGNATURE); pass the CA that signed it with --ca-file or PALISADE_CA_FILE)\n",
      );
    }
  });

  it("fail in one line when the CA file cannot be read", async () => {
    const run = await runPalisade(["get", "agents", "--ca-file", "/nonexistent/ca.pem"], withoutCa());
    expect(run).toMatchObject({ code: 1, stdout: "" });
    expect(run.stderr).toBe('error: cannot read the CA file "/nonexistent/ca.pem" of --ca-file or PALISADE_CA_FILE (ENOENT)\n');
  });
});

it("serves Connect JSON over HTTP/1.1 with TLS, as curl --cacert sends it", async () => {
  const dispatcher = trusting(stack.pki.ca.cert);
  try {
    const response = await request(`${stack.controlPlane.url}/palisade.admin.v1.TokenService/CreateToken`, {
      method: "POST",
      headers: { "content-type": "application/json", authorization: `Bearer ${stack.env.PALISADE_TOKEN}` },
      body: JSON.stringify({ subject: "curl@example.com" }),
      dispatcher,
    });
    expect(response.statusCode).toBe(200);
    const body = (await response.body.json()) as { token?: string };
    expect(body.token).toMatch(/^ey/);
  } finally {
    await dispatcher.close();
  }
});

describe("servers refuse to start with unusable certificate files", () => {
  it("names the missing file, the wrong key, and half a pair", async () => {
    const { certFile, keyFile, otherKeyFile } = stack.pki.files;
    const notPem = join(stack.pki.dir, "not-pem.txt");
    await writeFile(notPem, "hello\n");
    const controlPlane = (...flags: string[]) => ["control-plane", "--listen", "127.0.0.1:0", ...flags];
    const agent = (...flags: string[]) => ["agent", "--token", "a.secret", "--agent-listen", "127.0.0.1:0", ...flags];
    const cases: [string[], string][] = [
      [controlPlane("--tls-cert", "/nonexistent/cert.pem", "--tls-key", keyFile),
        `error: cannot read the control plane's TLS certificate "/nonexistent/cert.pem" (ENOENT)\n`],
      [controlPlane("--tls-cert", certFile, "--tls-key", otherKeyFile),
        `error: the control plane's TLS key "${otherKeyFile}" does not belong to the certificate "${certFile}"\n`],
      [controlPlane("--tls-cert", notPem, "--tls-key", keyFile),
        `error: the control plane's TLS certificate "${notPem}" is not a PEM certificate\n`],
      [controlPlane("--tls-cert", certFile),
        "error: --tls-cert needs --tls-key (or PALISADE_TLS_KEY): a certificate and its key go together\n"],
      [agent("--agent-tls-cert", certFile, "--agent-tls-key", notPem),
        `error: the agent's TLS key "${notPem}" is not an unencrypted PEM private key\n`],
      [agent("--agent-tls-key", keyFile),
        "error: --agent-tls-key needs --agent-tls-cert (or PALISADE_AGENT_TLS_CERT): a certificate and its key go together\n"],
      [agent("--ca-file", notPem),
        `error: the CA file for the control plane "${notPem}" is not a PEM certificate\n`],
    ];
    for (const [args, stderr] of cases) {
      const run = await runPalisade(args, { PALISADE_DATA_DIR: join(stack.pki.dir, "data") });
      expect(run, args.join(" ")).toMatchObject({ code: 1, stderr });
    }
  });
});

it("up with certificates prints https addresses and serves over TLS", async () => {
  const { certFile, keyFile, caFile } = stack.pki.files;
  const db = await testDatabase();
  let stdout = "";
  let stderr = "";
  let stop: (signal: string) => void = () => {};
  const ctx: CliContext = {
    out: (text) => void (stdout += text),
    write: async (text) => void (stdout += text),
    err: (text) => void (stderr += text),
    flush: async () => undefined,
    readStdin: async () => "",
    // PostgreSQL when the machine has it: much faster to start than the embedded database.
    env: {
      PALISADE_DATA_DIR: join(stack.pki.dir, "up"),
      DATABASE_URL: db.url,
      PALISADE_SECRET_KEY: randomBytes(32).toString("base64"),
    },
    connect: (server, token, ca) => createAdminClients(createAdminTransport({ server, token, caFile: ca })),
    untilStopped: () => new Promise((resolve) => (stop = resolve)),
  };
  const exited = runCli(
    ["up", "--listen", "127.0.0.1:0", "--agent-listen", "127.0.0.1:0", "--tls-cert", certFile, "--tls-key", keyFile,
      "--agent-tls-cert", certFile, "--agent-tls-key", keyFile, "--ca-file", caFile],
    ctx,
  );
  try {
    const banner = await eventually("the banner of palisade up", async () => {
      if (stderr.includes("error:")) throw new Error(stderr);
      return stdout.includes("Ctrl-C stops both.") ? stdout : undefined;
    }, 45_000);
    const server = /Control plane\s+(https:\/\/\S+)/.exec(banner)?.[1];
    const agent = /Agent\s+(https:\/\/\S+)/.exec(banner)?.[1];
    expect(server).toBeDefined();
    expect(agent).toBeDefined();
    expect(banner).toContain(`--ca-file ${caFile}`);
    const dispatcher = trusting(stack.pki.ca.cert);
    const health = await request(`${server}/healthz`, { dispatcher });
    expect(await health.body.text()).toBe("ok");
    // Unconfigured connections are 404 once the agent has its snapshot: it reached the control plane.
    await eventually("the agent of up to be configured over TLS", async () => {
      const response = await request(`${agent}/nothing/v1/models`, { dispatcher });
      await response.body.dump();
      return response.statusCode === 404 ? true : undefined;
    });
    await dispatcher.close();
  } finally {
    stop("SIGTERM");
    expect(await exited, stderr).toBe(0);
    await db.close();
  }
}, 60_000); // up starts its control plane in a worker thread, which loads its modules anew
