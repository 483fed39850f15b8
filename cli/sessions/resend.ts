// Sends a recorded request again through an agent, as the admin's own identity (a short-lived
// token from TokenService unless one is given), and prints the new answer as it arrives.
import { create } from "@bufbuild/protobuf";
import { DurationSchema } from "@bufbuild/protobuf/wkt";
import type { AdminClients } from "../client.js";
import { CliError } from "../errors.js";

// Long enough for one slow completion; the token is not printed or kept.
const RESEND_TOKEN_TTL_SECONDS = 300n;

/** What the resend answered. */
export interface ResendResult {
  status: number;
  /** The new session's id (x-palisade-session), empty when the agent sent none. */
  session: string;
}

/** Prepares (audited) and sends the request of `id` through the agent at `agentUrl`. */
export async function resendSession(
  admin: AdminClients,
  id: string,
  target: { agentUrl: string; token?: string },
  out: (text: string) => void,
): Promise<ResendResult> {
  const prepared = await admin.sessions.prepareResend({ id });
  const token = target.token
    ?? (await admin.tokens.createToken({ subject: prepared.subject, ttl: create(DurationSchema, { seconds: RESEND_TOKEN_TTL_SECONDS }) })).token;
  const url = `${target.agentUrl.replace(/\/+$/, "")}/${prepared.connection}${prepared.path}`;
  const bodyless = prepared.method === "GET" || prepared.method === "HEAD";
  out(`> ${prepared.method} /${prepared.connection}${prepared.path} (as ${target.token ? "the given token" : prepared.subject})\n`);
  let response: Response;
  try {
    response = await fetch(url, {
      method: prepared.method,
      headers: { authorization: `Bearer ${token}`, ...(bodyless ? {} : { "content-type": "application/json" }) },
      body: bodyless ? undefined : prepared.body,
    });
  } catch (error) {
    throw new CliError(`cannot reach the agent at ${target.agentUrl}: ${(error as Error).cause ?? (error as Error).message}`);
  }
  const session = response.headers.get("x-palisade-session") ?? "";
  out(`< ${response.status}${session ? ` (new session ${session})` : ""}\n`);
  const decoder = new TextDecoder();
  // Written as it arrives: a streamed answer shows its own pace.
  for await (const chunk of response.body ?? []) out(decoder.decode(chunk as Uint8Array, { stream: true }));
  out(`${decoder.decode()}\n`);
  return { status: response.status, session };
}
