// Identity tests' set-up: a real control plane on its own database, a stand-in provider, real
// OpenID providers, and agents enrolled and configured through the CLI as an operator would.
import OpenAI from "openai";
import { expect } from "vitest";
import { startAgent, type Agent, type AgentOptions } from "../../agent/agent.js";
import type { ControlPlane } from "../../control-plane/control-plane.js";
import { runPalisade } from "../cli/test-context.js";
import { eventually } from "../support/eventually.js";
import { palisade, standInResources, startControlPlaneBed } from "../support/control-plane-bed.js";
import { startOidcProvider, type TestOidcProvider } from "../support/oidc-provider.js";
import { modelsStatus } from "../support/stack.js";
import { startStandInProvider, type StandInProvider } from "../support/stand-in-provider.js";

/** One recorded exchange as `palisade audit show -o json` prints it. */
export interface RecordedSession {
  identity: { subject: string; groups: string[]; issuer: string } | null;
  response: { status: number; reason?: string };
}

/** A running identity bed. */
export interface IdentityBed {
  controlPlane: ControlPlane;
  provider: StandInProvider;
  env: Record<string, string>;
  /** `palisade ARGS` against the bed's control plane; fails the test on a non-zero exit. */
  palisade(args: string[], stdin?: string): Promise<string>;
  /** Starts and enrols another agent (its `standin` connection ready is not awaited). */
  startAgent(name: string, options?: Partial<AgentOptions>): Promise<Agent>;
  /** An OpenAI client for connection `standin` (or another) through `agent` with `apiKey`. */
  openai(agent: Agent, apiKey: string, connection?: string): OpenAI;
  /** Status of `GET /<connection>/v1/models` through `agent` with `token`. */
  status(agent: Agent, token: string, connection?: string): Promise<number>;
  /** The session recorded under `id`, once the control plane has committed it. */
  session(id: string | null): Promise<RecordedSession>;
  close(): Promise<void>;
}

/** The resource file that makes `oidc` an IdentityProvider resource of the bed. */
export function identityProviderYaml(name: string, oidc: TestOidcProvider, groupsClaim?: string): string {
  return `kind: IdentityProvider
name: ${name}
issuer: ${oidc.issuer}
audience: palisade
${groupsClaim ? `groupsClaim: ${groupsClaim}\n` : ""}`;
}

/** Starts a control plane with connection `standin` and an allow-all policy; agents are added with `startAgent`. */
export async function startIdentityBed(): Promise<IdentityBed> {
  const controlBed = await startControlPlaneBed();
  const { controlPlane, env } = controlBed;
  const provider = await startStandInProvider();
  const agents: Agent[] = [];
  const run = (args: string[], stdin = "") => palisade(env, args, stdin);
  await run(["apply", "-f", "-"], standInResources(provider.url));

  const bed: IdentityBed = {
    controlPlane,
    provider,
    env,
    palisade: run,
    async startAgent(name, options = {}) {
      const enrolment = (await run(["agent", "create", name])).trim();
      const agent = await startAgent({ listen: "127.0.0.1:0", controlPlane: controlPlane.url, token: enrolment, ...options });
      agents.push(agent);
      return agent;
    },
    openai: (agent, apiKey, connection = "standin") => new OpenAI({ baseURL: `${agent.url}/${connection}/v1`, apiKey, maxRetries: 0 }),
    status: (agent, token, connection = "standin") => modelsStatus(agent.url, token, connection),
    async session(id) {
      expect(id, "x-palisade-session header").toBeTruthy();
      return eventually(`session ${id} to be recorded`, async () => {
        const result = await runPalisade(["audit", "show", id!, "-o", "json"], env);
        return result.code === 0 ? (JSON.parse(result.stdout) as RecordedSession) : undefined;
      });
    },
    async close() {
      for (const agent of agents) await agent.close();
      await provider.close();
      await controlBed.close();
    },
  };
  return bed;
}

/** Waits until `agent` answers `token` on `connection` with `status` (snapshots arrive asynchronously). */
export function untilStatus(bed: IdentityBed, agent: Agent, token: string, status: number, connection = "standin"): Promise<true> {
  return eventually(`status ${status} for the token on ${connection}`, async () =>
    (await bed.status(agent, token, connection)) === status ? true : undefined,
  );
}

/** Starts `count` OpenID providers. */
export async function startOidcProviders(count: number): Promise<TestOidcProvider[]> {
  return Promise.all(Array.from({ length: count }, () => startOidcProvider()));
}
