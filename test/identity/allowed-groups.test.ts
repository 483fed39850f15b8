// A connection's allowedGroups from the resource file to the agent: applied, shown and re-applied
// by the CLI, validated by the control plane, and enforced by a real agent (403 before policies)
// for service tokens and OIDC tokens alike.
import OpenAI from "openai";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Agent } from "../../agent/agent.js";
import { runPalisade } from "../cli/test-context.js";
import { startOidcProvider, type TestOidcProvider } from "../support/oidc-provider.js";
import { identityProviderYaml, type IdentityBed, startIdentityBed, untilStatus } from "./identity-bed.js";

let bed: IdentityBed;
let idp: TestOidcProvider;
let agent: Agent;

const restricted = () => `kind: Connection
name: restricted
provider: openai
upstream: ${bed.provider.url}
credential: { header: authorization, value: Bearer sk-stand-in-upstream }
allowedGroups: [eng, ops]
`;

beforeAll(async () => {
  bed = await startIdentityBed();
  idp = await startOidcProvider();
  await bed.palisade(["apply", "-f", "-"], `${restricted()}---\n${identityProviderYaml("idp", idp)}`);
  agent = await bed.startAgent("groups-edge");
  await untilStatus(bed, agent, await token("warm-up", "eng"), 200, "restricted");
});

afterAll(async () => {
  await bed?.close();
  await idp?.close();
});

async function token(subject: string, groups: string): Promise<string> {
  const args = ["token", "create", "--subject", subject, ...(groups ? ["--groups", groups] : [])];
  return (await bed.palisade(args)).trim();
}

describe("a connection's allowedGroups", () => {
  it("is shown by get, applies again unchanged, and refuses empty group names", async () => {
    const yaml = await bed.palisade(["get", "connection", "restricted", "-o", "yaml"]);
    expect(yaml).toMatch(/allowedGroups:\n {2}- eng\n {2}- ops\n/);
    expect(await bed.palisade(["apply", "-f", "-"], yaml)).toBe("connection/restricted unchanged\n");

    const bad = await runPalisade(["apply", "-f", "-"], bed.env, restricted().replace("[eng, ops]", '[eng, ""]'));
    expect(bad.code).toBe(1);
    expect(bad.stderr).toMatch(/invalid_argument: connection "restricted": allowedGroups\[1\] must not be empty or blank \[string.not_blank\]/);
  });

  it("lets members of a listed group through and refuses everyone else with 403", async () => {
    expect(await bed.status(agent, await token("dev", "eng"), "restricted")).toBe(200);
    expect(await bed.status(agent, await token("sre", "contractors,ops"), "restricted")).toBe(200);

    const outsider = await token("temp", "contractors");
    const error = await bed.openai(agent, outsider, "restricted").models.list().then(() => undefined, (e: unknown) => e);
    expect(error).toBeInstanceOf(OpenAI.PermissionDeniedError);
    expect(await bed.status(agent, await token("nobody", ""), "restricted")).toBe(403);
    // The unrestricted connection still serves the same caller.
    expect(await bed.status(agent, outsider, "standin")).toBe(200);
  });

  it("uses the groups an OIDC provider's token carries", async () => {
    expect(await bed.status(agent, await idp.token({ claims: { groups: "ops" } }), "restricted")).toBe(200);
    expect(await bed.status(agent, await idp.token({ claims: { groups: ["sales"] } }), "restricted")).toBe(403);
  });

  it("opens the connection to everyone once the list is removed", async () => {
    const outsider = await token("temp", "contractors");
    await bed.palisade(["apply", "-f", "-"], restricted().replace("allowedGroups: [eng, ops]\n", ""));
    await untilStatus(bed, agent, outsider, 200, "restricted");
  });
});
