// Helpers for the alert end-to-end tests: a second agent on a stack, a webhook receiver, the quiet
// baseline of an identity written straight into PostgreSQL, and the admin clients.
import { randomUUID } from "node:crypto";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import pg from "pg";
import { type Agent, startAgent } from "../../agent/agent.js";
import { type AdminClients, createAdminClients, createAdminTransport } from "../../cli/client.js";
import { eventually } from "../support/eventually.js";
import { modelsStatus, palisade, STACK_ADMIN_TOKEN, type Stack } from "../support/stack.js";

/** The issuer of caller tokens from `palisade token create`. */
export const SERVICE_ISSUER = "urn:palisade:service-accounts";

/** Admin API clients for the stack. */
export function adminClients(stack: Stack): AdminClients {
  return createAdminClients(createAdminTransport({ server: stack.controlPlane.url, token: STACK_ADMIN_TOKEN }));
}

/** Enrols and starts another agent on the stack, serving once it has its snapshot. */
export async function startSecondAgent(stack: Stack, name: string): Promise<Agent> {
  const enrolment = (await palisade(stack.env, ["agent", "create", name])).trim();
  const agent = await startAgent({ listen: "127.0.0.1:0", controlPlane: stack.controlPlane.url, token: enrolment });
  await eventually(`agent ${name} to serve`, async () => ((await modelsStatus(agent.url, stack.callerToken)) === 200 ? true : undefined));
  return agent;
}

/** A local HTTP server recording the JSON bodies posted to it. */
export async function startWebhookReceiver(): Promise<{ url: string; bodies: unknown[]; close(): Promise<void> }> {
  const bodies: unknown[] = [];
  const server = createServer((req, res) => {
    let text = "";
    req.on("data", (chunk: Buffer) => (text += chunk.toString("utf8")));
    req.on("end", () => {
      bodies.push(JSON.parse(text));
      res.writeHead(204).end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return { url: `http://127.0.0.1:${port}/hook`, bodies, close: () => new Promise((resolve) => server.close(() => resolve())) };
}

/**
 * Writes `count` quiet past exchanges of `tokens` each for the identity, spread over the hour before
 * `beforeMs`, straight into PostgreSQL; false on embedded PGlite (no second client can reach it).
 */
export async function seedBaseline(stack: Stack, subject: string, options: { count: number; tokens: number; beforeMs: number }): Promise<boolean> {
  if (!stack.db.url) return false;
  const client = new pg.Client({ connectionString: stack.db.url });
  await client.connect();
  try {
    for (let i = 0; i < options.count; i++) {
      const startedAt = new Date(options.beforeMs - (i + 1) * (3_600_000 / (options.count + 1)));
      await client.query(
        `insert into exchange (id, agent, connection, subject, email, groups, issuer, method, path, model, stream, status, verdict,
           reason, request_body, response_body, request_truncated, response_truncated, prompt_tokens, completion_tokens,
           total_tokens, started_at, error, policy)
         values ($1, 'seed', 'standin', $2, null, '[]', $3, 'POST', '/v1/chat/completions', 'stand-in', false, 200, 1,
           '', '', '', false, false, $4, 0, $4, $5, '', '')`,
        [randomUUID(), subject, SERVICE_ISSUER, options.tokens, startedAt.toISOString()],
      );
    }
  } finally {
    await client.end();
  }
  return true;
}
