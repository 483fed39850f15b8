// Shared set-up for agent tests: a stand-in provider, a fake control plane serving a snapshot that
// points connections at the stand-in and trusts a test issuer, and a real agent between them.
import { create } from "@bufbuild/protobuf";
import { exportJWK, generateKeyPair, SignJWT, type JWK } from "jose";
import OpenAI from "openai";
import { startAgent, type Agent, type AgentOptions } from "../../agent/agent.js";
import { PolicyAction, Provider, SnapshotSchema, type Snapshot } from "../../gen/palisade/agent/v1/snapshot_pb.js";
import { startStandInProvider, type StandInProvider } from "../support/stand-in-provider.js";
import { startFakeControlPlane, type FakeControlPlane } from "./fake-control-plane.js";
import { eventually } from "../support/eventually.js";

export const issuerUrl = "urn:palisade:service-accounts";
export const upstreamSecret = "Bearer sk-upstream-secret";
export const anthropicSecret = "sk-ant-upstream-secret";
export const agentToken = "edge-1.c2VjcmV0LXNlY3JldC1zZWNyZXQtc2VjcmV0LXNlY3JldA";

/** A signing key whose public half the snapshot's issuer publishes as inline JWKS. */
export interface TestIssuer {
  privateKey: CryptoKey;
  jwk: JWK;
  /** A valid caller token (ES256, aud palisade) for `subject`, overridable for bad-token tests. */
  token(subject?: string, claims?: Record<string, unknown>, options?: { audience?: string; expiresAt?: number }): Promise<string>;
}

export async function createTestIssuer(): Promise<TestIssuer> {
  const { privateKey, publicKey } = await generateKeyPair("ES256", { extractable: true });
  const jwk = { ...(await exportJWK(publicKey)), kid: "test-key", alg: "ES256", use: "sig" };
  return {
    privateKey,
    jwk,
    token: (subject = "alice", claims = { groups: ["eng"], email: "alice@example.test" }, options = {}) =>
      new SignJWT(claims)
        .setProtectedHeader({ alg: "ES256", kid: "test-key" })
        .setIssuer(issuerUrl)
        .setAudience(options.audience ?? "palisade")
        .setSubject(subject)
        .setIssuedAt()
        .setExpirationTime(options.expiresAt ?? "10m")
        .setJti(crypto.randomUUID())
        .sign(privateKey),
  };
}

/** A policy allowing every authenticated caller on every connection (default deny is live). */
export const allowAll = { name: "allow-all", priority: -1000, connections: ["*"], action: PolicyAction.ALLOW };

/** The snapshot every test starts from: `openai` and `claude` connections at the stand-in, and `allow-all`. */
export function testSnapshot(upstream: string, jwk: JWK, version = "1"): Snapshot {
  return create(SnapshotSchema, {
    version,
    connections: [
      { name: "openai", provider: Provider.OPENAI, upstream, credential: { header: "authorization", value: upstreamSecret } },
      { name: "claude", provider: Provider.ANTHROPIC, upstream, credential: { header: "x-api-key", value: anthropicSecret } },
    ],
    issuers: [{ name: "palisade", issuer: issuerUrl, audience: "palisade", jwks: JSON.stringify({ keys: [jwk] }), groupsClaim: "groups" }],
    policies: [allowAll],
  });
}

export interface TestBed {
  provider: StandInProvider;
  controlPlane: FakeControlPlane;
  agent: Agent;
  issuer: TestIssuer;
  /** An OpenAI client for `connection` through the agent, authenticated with `apiKey` (default: a valid token). */
  openai(apiKey?: string, connection?: string): Promise<OpenAI>;
  close(): Promise<void>;
}

/** Starts provider, fake control plane and agent, and waits until the agent ACKed the first snapshot. */
export async function startTestBed(agentOptions: Partial<AgentOptions> = {}): Promise<TestBed> {
  const issuer = await createTestIssuer();
  const provider = await startStandInProvider();
  const controlPlane = await startFakeControlPlane(agentToken, testSnapshot(provider.url, issuer.jwk));
  const agent = await startAgent({ listen: "127.0.0.1:0", controlPlane: controlPlane.url, token: agentToken, ...agentOptions });
  await eventually("the first snapshot ACK", () => controlPlane.acks.length > 0);
  return {
    provider,
    controlPlane,
    agent,
    issuer,
    async openai(apiKey, connection = "openai") {
      return new OpenAI({ baseURL: `${agent.url}/${connection}/v1`, apiKey: apiKey ?? (await issuer.token()), maxRetries: 0 });
    },
    async close() {
      await agent.close();
      await controlPlane.close();
      await provider.close();
    },
  };
}
