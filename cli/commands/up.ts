// `palisade up`: a control plane on the embedded database plus one agent named `local`, in one
// process (the control plane in a worker thread of its own, off the agent's event loop), ready for
// an SDK. Data lives under --data-dir and survives restarts.
import { mkdir } from "node:fs/promises";
import { create } from "@bufbuild/protobuf";
import type { Command } from "commander";
import {
  ConnectionSchema,
  Kind,
  Provider,
  ResourceSchema,
  type Resource,
} from "../../gen/palisade/admin/v1/resources_pb.js";
import { upAdminToken } from "../admin-token.js";
import type { AdminClients } from "../client.js";
import type { CliContext } from "../context.js";
import { adminFailure } from "../errors.js";
import { ensureFree, listening } from "../listen.js";
import { createLogger, logLevelOption } from "../logger.js";
import {
  agentListenAddress,
  agentListenOption,
  caFile,
  caFileOption,
  dataDir,
  dataDirOption,
  listenAddress,
  listenOption,
  nonEmpty,
  publicUrl,
  publicUrlOption,
} from "../settings.js";
import { agentLimits, withAgentLimitOptions, type AgentLimitFlags } from "../agent-limits.js";
import { counterStoreSettings, withCounterStoreOptions, type CounterStoreFlags } from "../counter-store-settings.js";
import {
  agentTls,
  controlPlaneTls,
  tlsFailure,
  upstreamCaFile,
  withAgentTlsOptions,
  withControlPlaneTlsOptions,
  type TlsFlags,
} from "../tls-settings.js";
import { ensureStarterPolicy, type PolicyState } from "./starter-policy.js";
import { consoleLinkUrl } from "./console.js";
import { renderBanner } from "./up-banner.js";
import { startControlPlaneThread } from "./up-control-plane.js";

interface UpFlags extends AgentLimitFlags, TlsFlags, CounterStoreFlags {
  caFile?: string;
  listen?: string;
  publicUrl?: string;
  agentListen?: string;
  dataDir?: string;
  logLevel?: string;
}

/** The name of the agent `up` runs. */
export const LOCAL_AGENT = "local";

/** Registers `up`. */
export function registerUp(program: Command, ctx: CliContext): void {
  const command = program
    .command("up")
    .description("run a control plane (embedded database) and one agent; Ctrl-C stops both")
    .addOption(listenOption())
    .addOption(publicUrlOption())
    .addOption(agentListenOption())
    .addOption(dataDirOption())
    .addOption(caFileOption())
    .addOption(logLevelOption("warn"));
  withControlPlaneTlsOptions(command);
  withAgentTlsOptions(command);
  withCounterStoreOptions(command);
  withAgentLimitOptions(command).action((flags: UpFlags) => up(flags, ctx));
}

async function up(flags: UpFlags, ctx: CliContext): Promise<void> {
  // Loaded here so that admin commands do not pay for the servers' modules.
  const { startAgent } = await import("../../agent/agent.js");
  const dir = dataDir(flags.dataDir, ctx.env);
  const listen = listenAddress(flags.listen, ctx.env);
  const agentListen = agentListenAddress(flags.agentListen, ctx.env);
  const limits = agentLimits(flags, ctx.env);
  const tls = controlPlaneTls(flags, ctx.env);
  const counterStore = counterStoreSettings(flags, ctx.env);
  // The agent and this command reach the control plane at its --listen address, so with TLS its
  // certificate must name that host, and be signed by --ca-file's CA or one of Node's roots.
  const ca = caFile(flags.caFile, ctx.env);
  const agentTlsOptions = { tls: agentTls(flags, ctx.env), caFile: ca, upstreamCaFile: upstreamCaFile(flags.upstreamCaFile, ctx.env) };
  const databaseUrl = nonEmpty(ctx.env.DATABASE_URL);
  const logger = createLogger(flags.logLevel, ctx.env, "warn");
  // Listen for Ctrl-C from now on: one pressed during start-up stops cleanly once started.
  const stopped = ctx.untilStopped();
  await ensureFree("the control plane", listen);
  await ensureFree("the agent", agentListen);
  await mkdir(dir, { recursive: true, mode: 0o700 });
  const admin = await upAdminToken(ctx.env, dir);
  const database = databaseUrl === undefined ? `embedded database in ${dir}` : "PostgreSQL from DATABASE_URL";
  ctx.err(`starting the control plane (${database}) and agent "${LOCAL_AGENT}"…\n`);

  // Its own thread: the control plane and its database never stall the agent's event loop.
  const controlPlane = await startControlPlaneThread({
    options: {
      listen,
      databaseUrl,
      // Also on PostgreSQL: `up` is one process, so the key file in its data directory serves.
      dataDir: dir,
      secretKey: nonEmpty(ctx.env.PALISADE_SECRET_KEY),
      secretKeyPrevious: nonEmpty(ctx.env.PALISADE_SECRET_KEY_PREVIOUS),
      secretKeyNext: nonEmpty(ctx.env.PALISADE_SECRET_KEY_NEXT),
      adminToken: admin.token,
      publicUrl: publicUrl(flags.publicUrl, ctx.env),
      tls,
      counterStore,
    },
    logLevel: flags.logLevel,
    env: { ...ctx.env },
  });
  let agent: { url: string; close(): Promise<void> } | undefined;
  try {
    const clients = ctx.connect(controlPlane.url, admin.token, ca);
    const { enrolmentToken, connections, policies, consolePath } = await prepare(clients, ctx.env).catch((error: unknown) => {
      throw adminFailure(error, controlPlane.url);
    });
    agent = await listening("the agent", agentListen, () =>
      startAgent({ listen: agentListen, controlPlane: controlPlane.url, token: enrolmentToken, logger, ...limits, ...agentTlsOptions }).catch(
        (error: unknown) => {
          throw tlsFailure(error);
        },
      ),
    );
    ctx.out(
      renderBanner({
        controlPlaneUrl: controlPlane.url,
        agentUrl: agent.url,
        consoleUrl: consoleLinkUrl(publicUrl(flags.publicUrl, ctx.env) ?? controlPlane.url, consolePath),
        database,
        dataDir: dir,
        adminToken: admin.token,
        adminTokenSource: admin.source,
        caFile: ca,
        connections,
        policies,
      }),
    );
    // A control plane that dies ends `up` too (its agent could not be configured or audited).
    const signal = await Promise.race([stopped, controlPlane.died]);
    ctx.err(`${signal}: stopping the agent, then the control plane\n`);
  } finally {
    // Agent first: it drains in-flight requests and flushes its records to the control plane.
    await agent?.close();
    await controlPlane.close();
  }
  ctx.err("stopped\n");
}

/**
 * Enrols the local agent (a fresh token each start), adds the `openai` connection when a key is set
 * and the starter policy when there is no policy yet.
 */
async function prepare(
  clients: AdminClients,
  env: CliContext["env"],
): Promise<{ enrolmentToken: string; connections: { name: string; upstream: string }[]; policies: PolicyState; consolePath: string }> {
  const { token } = await clients.agents.createAgent({ name: LOCAL_AGENT, rotateToken: true });
  const apiKey = nonEmpty(env.OPENAI_API_KEY);
  if (apiKey !== undefined) await clients.resources.apply({ resources: [openaiConnection(apiKey)] });
  const { resources } = await clients.resources.listResources({ kind: Kind.CONNECTION });
  const connections = resources.flatMap((r) =>
    r.resource.case === "connection" ? [{ name: r.resource.value.name, upstream: r.resource.value.upstream }] : [],
  );
  const policies = await ensureStarterPolicy(clients);
  // A one-time link into the web console, printed with the rest (15 minutes, the default).
  const { path: consolePath } = await clients.console.createSignInLink({});
  return { enrolmentToken: token, connections, policies, consolePath };
}

/** The connection `up` creates from OPENAI_API_KEY. */
export function openaiConnection(apiKey: string): Resource {
  const connection = create(ConnectionSchema, {
    name: "openai",
    provider: Provider.OPENAI,
    upstream: "https://api.openai.com",
    credential: { header: "authorization", value: `Bearer ${apiKey}` },
  });
  return create(ResourceSchema, { resource: { case: "connection", value: connection } });
}
