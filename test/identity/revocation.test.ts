// Revoking the control plane's caller tokens with the CLI, enforced by a real agent: by jti, by
// subject, and nothing else refused along the way.
import OpenAI from "openai";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Agent } from "../../agent/agent.js";
import { runPalisade } from "../cli/test-context.js";
import { eventually } from "../support/eventually.js";
import { type IdentityBed, startIdentityBed, untilStatus } from "./identity-bed.js";

interface CreatedToken {
  token: string;
  jti: string;
  expireTime: string;
  issuer: string;
}

let bed: IdentityBed;
let agent: Agent;

beforeAll(async () => {
  bed = await startIdentityBed();
  agent = await bed.startAgent("revocation-edge");
  await untilStatus(bed, agent, await bare("warm-up"), 200);
});

afterAll(async () => {
  await bed?.close();
});

/** `palisade token create --subject S` as scripts use it: the bare JWT. */
async function bare(subject: string): Promise<string> {
  return (await bed.palisade(["token", "create", "--subject", subject])).trim();
}

async function created(subject: string): Promise<CreatedToken> {
  return JSON.parse(await bed.palisade(["token", "create", "--subject", subject, "--ttl", "10m", "-o", "json"])) as CreatedToken;
}

describe("palisade token", () => {
  it("create -o json prints the token with its jti, expiry and issuer; the default is the bare JWT", async () => {
    const before = Date.now();
    const json = await created("bot");
    expect(json.issuer).toBe("urn:palisade:service-accounts");
    expect(json.jti).toMatch(/^[0-9a-f-]{36}$/);
    const expires = Date.parse(json.expireTime);
    expect(expires).toBeGreaterThan(before + 9 * 60_000);
    expect(expires).toBeLessThanOrEqual(before + 11 * 60_000);
    expect(JSON.parse(Buffer.from(json.token.split(".")[1]!, "base64url").toString())).toMatchObject({ sub: "bot", jti: json.jti });
    expect(await bare("bot")).toMatch(/^[\w-]+\.[\w-]+\.[\w-]+$/);
  });

  it("revoke refuses anything but exactly one of --jti and --subject, and unknown jtis", async () => {
    for (const args of [[], ["--jti", "a", "--subject", "b"]]) {
      const run = await runPalisade(["token", "revoke", ...args], bed.env);
      expect(run.code).toBe(1);
      expect(run.stderr).toMatch(/exactly one of --jti and --subject/);
    }
    const unknown = await runPalisade(["token", "revoke", "--jti", "no-such-token"], bed.env);
    expect(unknown.code).toBe(1);
    expect(unknown.stderr).toMatch(/not_found: no token with jti "no-such-token"/);
  });
});

describe("revoked tokens at the agent", () => {
  it("refuses a token revoked by jti within a bounded wait; the subject's other tokens still work", async () => {
    const first = await created("revoked-one");
    const second = await created("revoked-one");
    const other = await bare("someone-else");
    for (const token of [first.token, second.token, other]) expect(await bed.status(agent, token)).toBe(200);

    expect(await bed.palisade(["token", "revoke", "--jti", first.jti])).toBe(`token ${first.jti} revoked\n`);
    await untilStatus(bed, agent, first.token, 401);
    expect(await bed.status(agent, second.token)).toBe(200);
    expect(await bed.status(agent, other)).toBe(200);

    // What the caller's SDK sees, and what the audit record says.
    const error = await bed.openai(agent, first.token).models.list().then(() => undefined, (e: unknown) => e);
    expect(error).toBeInstanceOf(OpenAI.AuthenticationError);
    const session = await bed.session((error as InstanceType<typeof OpenAI.APIError>).headers?.get("x-palisade-session") ?? null);
    expect(session.response).toMatchObject({ status: 401, reason: "token revoked" });
  });

  it("refuses every token a subject held when it is revoked by subject; new tokens work again", async () => {
    const tokens = [await bare("leaver"), await bare("leaver")];
    const other = await bare("stayer");
    for (const token of tokens) expect(await bed.status(agent, token)).toBe(200);

    expect(await bed.palisade(["token", "revoke", "--subject", "leaver"])).toBe("tokens of leaver revoked\n");
    for (const token of tokens) await untilStatus(bed, agent, token, 401);
    expect(await bed.status(agent, other)).toBe(200);

    // Revocation covers tokens issued up to its second (iat has whole seconds); later ones pass.
    await eventually("a token issued after the revocation to work", async () =>
      (await bed.status(agent, await bare("leaver"))) === 200 ? true : undefined,
    );
  });

  it("keeps revocations for agents that connect later", async () => {
    const token = await created("late");
    await bed.palisade(["token", "revoke", "--jti", token.jti]);
    const late = await bed.startAgent("revocation-late");
    await untilStatus(bed, late, await bare("fresh"), 200);
    expect(await bed.status(late, token.token)).toBe(401);
  });
});
