// `palisade control-plane` and `palisade agent`: each server alone, until SIGINT/SIGTERM.
import cluster from "node:cluster";
import { mkdir } from "node:fs/promises";
import { Option, type Command } from "commander";
import type { AgentOptions } from "../../agent/agent.js";
import { SecretKeyError } from "../../control-plane/crypto/secret-key.js";
import type { CliContext } from "../context.js";
import { agentLimits, withAgentLimitOptions, type AgentLimitFlags } from "../agent-limits.js";
import { counterStoreSettings, withCounterStoreOptions, type CounterStoreFlags } from "../counter-store-settings.js";
import { searchIndexMaxLagMs, searchIndexMaxLagOption, type SearchIndexFlags } from "../search-index-settings.js";
import { agentWorkers, serveAsWorker, superviseWorkers, workersOption } from "./serve-workers.js";
import { CliError, databaseFailure } from "../errors.js";
import { ensureFree, listening } from "../listen.js";
import { createLogger, logLevelOption } from "../logger.js";
import {
  agentListenAddress,
  agentListenOption,
  caFile,
  caFileOption,
  dataDir,
  dataDirOption,
  DEFAULT_SERVER,
  listenAddress,
  listenOption,
  nonEmpty,
  publicUrl,
  publicUrlOption,
  serverOption,
  serverUrl,
} from "../settings.js";
import {
  agentTls,
  controlPlaneTls,
  tlsFailure,
  upstreamCaFile,
  withAgentTlsOptions,
  withControlPlaneTlsOptions,
  type TlsFlags,
} from "../tls-settings.js";

// docs/contracts.md: `<agent-name>.<secret>`.
const ENROLMENT_TOKEN = /^[a-z][a-z0-9-]{0,62}\.[^.\s]+$/;

interface ControlPlaneFlags extends TlsFlags, CounterStoreFlags, SearchIndexFlags {
  listen?: string;
  publicUrl?: string;
  dataDir?: string;
  logLevel?: string;
}

/** Flags of the serving form of `palisade agent`. */
export interface AgentServeFlags extends AgentLimitFlags, TlsFlags {
  server?: string;
  caFile?: string;
  controlPlane?: string;
  token?: string;
  segment?: string;
  agentListen?: string;
  workers?: string;
  logLevel?: string;
}

/** Registers `control-plane`. */
export function registerControlPlane(program: Command, ctx: CliContext): void {
  const command = program
    .command("control-plane")
    .description("serve the control plane alone (PostgreSQL when DATABASE_URL is set, else embedded under --data-dir)")
    .addOption(listenOption())
    .addOption(publicUrlOption())
    .addOption(dataDirOption())
    .addOption(searchIndexMaxLagOption())
    .addOption(logLevelOption("info"));
  withCounterStoreOptions(withControlPlaneTlsOptions(command)).action(async (flags: ControlPlaneFlags) => {
    // Loaded here so that admin commands do not pay for the server's modules.
    const { startControlPlane } = await import("../../control-plane/control-plane.js");
    const listen = listenAddress(flags.listen, ctx.env);
    const tls = controlPlaneTls(flags, ctx.env);
    const counterStore = counterStoreSettings(flags, ctx.env);
    const maxLagMs = searchIndexMaxLagMs(flags, ctx.env);
    const databaseUrl = nonEmpty(ctx.env.DATABASE_URL);
    const dir = dataDir(flags.dataDir, ctx.env);
    await ensureFree("the control plane", listen);
    if (databaseUrl === undefined) await mkdir(dir, { recursive: true, mode: 0o700 });
    const logger = createLogger(flags.logLevel, ctx.env, "info");
    const stopped = ctx.untilStopped();
    const controlPlane = await listening("the control plane", listen, () =>
      startControlPlane({
        listen,
        databaseUrl,
        // On PostgreSQL the data directory only holds the key file, and only when named explicitly:
        // replicas must share PALISADE_SECRET_KEY rather than each create a key of their own.
        dataDir: databaseUrl === undefined ? dir : (flags.dataDir ?? nonEmpty(ctx.env.PALISADE_DATA_DIR)),
        secretKey: nonEmpty(ctx.env.PALISADE_SECRET_KEY),
        secretKeyPrevious: nonEmpty(ctx.env.PALISADE_SECRET_KEY_PREVIOUS),
        secretKeyNext: nonEmpty(ctx.env.PALISADE_SECRET_KEY_NEXT),
        adminToken: nonEmpty(ctx.env.PALISADE_ADMIN_TOKEN),
        publicUrl: publicUrl(flags.publicUrl, ctx.env),
        logger,
        tls,
        counterStore,
        searchIndex: { maxLagMs },
      }).catch((error: unknown) => {
        if (error instanceof SecretKeyError) throw new CliError(error.message);
        throw tlsFailure(databaseFailure(error, databaseUrl !== undefined));
      }),
    );
    const where = databaseUrl === undefined ? `embedded database in ${dir}` : "PostgreSQL from DATABASE_URL";
    ctx.err(`control plane listening on ${controlPlane.url} (${where})\n`);
    if (controlPlane.generatedAdminToken !== undefined) {
      ctx.err(`admin token (shown once, keep it): ${controlPlane.generatedAdminToken}\n`);
    }
    await stopped;
    ctx.err("stopping the control plane\n");
    await controlPlane.close();
  });
}

/** Options of the serving form of `palisade agent`. */
export function addAgentServeOptions(command: Command): Command {
  const token = "enrolment token from `palisade agent create` [env: PALISADE_AGENT_TOKEN, PALISADE_TOKEN]";
  return withAgentTlsOptions(withAgentLimitOptions(
    command
      .addOption(serverOption())
      .addOption(caFileOption())
      // DESIGN.md's spelling of --server for agents; kept as a quiet alias.
      .addOption(new Option("--control-plane <url>").hideHelp())
      .addOption(new Option("--token <token>", token))
      .addOption(new Option("--segment <segment>", "network segment this agent serves [env: PALISADE_SEGMENT]"))
      .addOption(agentListenOption())
      .addOption(workersOption())
      .addOption(logLevelOption("info"))
  ));
}

/** Serves one agent (or, with `--workers N`, supervises N of them) until stopped. */
export async function serveAgent(flags: AgentServeFlags, ctx: CliContext): Promise<void> {
  const token = flags.token ?? nonEmpty(ctx.env.PALISADE_AGENT_TOKEN) ?? nonEmpty(ctx.env.PALISADE_TOKEN);
  const hint = "(printed by `palisade agent create NAME`)";
  if (token === undefined) throw new CliError(`an enrolment token is needed: --token ${hint}`);
  if (!ENROLMENT_TOKEN.test(token)) {
    throw new CliError(`the enrolment token must look like "<agent-name>.<secret>" ${hint}`);
  }
  const listen = agentListenAddress(flags.agentListen, ctx.env);
  const limits = agentLimits(flags, ctx.env);
  const tls = {
    tls: agentTls(flags, ctx.env),
    caFile: caFile(flags.caFile, ctx.env),
    upstreamCaFile: upstreamCaFile(flags.upstreamCaFile, ctx.env),
  };
  const workers = agentWorkers(flags.workers, ctx.env);
  const { startAgent } = await import("../../agent/agent.js");
  const controlPlane = serverUrl(
    flags.server ?? flags.controlPlane ?? nonEmpty(ctx.env.PALISADE_SERVER) ?? DEFAULT_SERVER,
  );
  const segment = flags.segment ?? nonEmpty(ctx.env.PALISADE_SEGMENT);
  const logger = createLogger(flags.logLevel, ctx.env, "info");
  const start = (extra: Pick<AgentOptions, "metricsText" | "listenAfterSnapshot" | "limits">) =>
    listening("the agent", listen, () =>
      startAgent({ listen, controlPlane, token, segment, logger, ...limits, ...tls, ...extra }).catch((error: unknown) => {
        throw tlsFailure(error);
      }),
    );
  if (cluster.isWorker) return serveAsWorker({ start, logger, controlPlane });
  await ensureFree("the agent", listen);
  if (workers > 1) {
    return superviseWorkers({ workers, logger, controlPlane, drainTimeoutMs: limits.drainTimeoutMs ?? 10_000 }, ctx);
  }
  const stopped = ctx.untilStopped();
  const agent = await start({});
  ctx.err(
    `agent listening on ${agent.url} (control plane ${controlPlane}); SDK base URL: ${agent.url}/<connection>/v1\n`,
  );
  await stopped;
  ctx.err("stopping the agent\n");
  await agent.close();
}
