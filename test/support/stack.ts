// A whole Palisade on one machine for integration tests: a database, a control plane, a stand-in
// provider, one agent serving a connection `standin` to it, an allow-all policy (agents deny what
// no policy allows) and a caller token — all configured through the CLI's own code path, as an
// operator would.
import { startAgent, type Agent, type AgentOptions } from "../../agent/agent.js";
import type { ControlPlane, ControlPlaneOptions } from "../../control-plane/control-plane.js";
import { eventually } from "./eventually.js";
import { palisade, standInResources, startControlPlaneBed } from "./control-plane-bed.js";
import type { TestDatabase } from "./database.js";
import { startStandInProvider, type StandInOptions, type StandInProvider } from "./stand-in-provider.js";

export { adminEnv, palisade, STACK_ADMIN_TOKEN, STACK_SECRET_KEY } from "./control-plane-bed.js";

/** A running stack; `close` stops everything in it, in order. */
export interface Stack {
  db: TestDatabase;
  controlPlane: ControlPlane;
  provider: StandInProvider;
  agent: Agent;
  /** Environment for `runPalisade` admin commands against this control plane. */
  env: Record<string, string>;
  /** A caller JWT from `palisade token create`. */
  callerToken: string;
  /** Base URL of the `standin` connection, for an SDK. */
  baseURL: string;
  close(): Promise<void>;
}

/** Options: the agent's name, the caller's subject, extra control-plane options (e.g. dataDir). */
export interface StackOptions {
  agentName: string;
  subject?: string;
  controlPlane?: Partial<ControlPlaneOptions>;
  /** Stand-in provider options (e.g. `chunkDelayMs` for paced streams). */
  provider?: StandInOptions;
  /** Agent options over the defaults (e.g. a logger to read what it logs). */
  agent?: Partial<AgentOptions>;
}

/** Status of `GET /<connection>/v1/models` through the agent with the given token. */
export async function modelsStatus(agentUrl: string, token: string, connection = "standin"): Promise<number> {
  const response = await fetch(`${agentUrl}/${connection}/v1/models`, { headers: { authorization: `Bearer ${token}` } });
  await response.body?.cancel();
  return response.status;
}

/** Starts a stack and waits until the agent serves the `standin` connection. */
export async function startStack(options: StackOptions): Promise<Stack> {
  const { db, controlPlane, env } = await startControlPlaneBed({ controlPlane: options.controlPlane });
  const provider = await startStandInProvider(options.provider);
  const enrolment = (await palisade(env, ["agent", "create", options.agentName])).trim();
  const agent = await startAgent({ listen: "127.0.0.1:0", controlPlane: controlPlane.url, token: enrolment, ...options.agent });
  await palisade(env, ["apply", "-f", "-"], standInResources(provider.url));
  const subject = options.subject ?? `${options.agentName}@example.com`;
  const callerToken = (await palisade(env, ["token", "create", "--subject", subject])).trim();
  await eventually("the agent to serve connection standin", async () =>
    (await modelsStatus(agent.url, callerToken)) === 200 ? true : undefined,
  );
  const stack: Stack = {
    db,
    controlPlane,
    provider,
    agent,
    env,
    callerToken,
    baseURL: `${agent.url}/standin/v1`,
    // Reads the fields at close time: a test may have replaced the control plane (restarted it).
    async close() {
      await stack.agent.close();
      await stack.controlPlane.close();
      await stack.provider.close();
      await stack.db.close();
    },
  };
  return stack;
}
