// The agent over TLS on both sides: it dials the control plane's https:// port trusting a private
// CA, serves SDKs over HTTPS with its own certificate (the real `openai` client included), and an
// agent that does not trust the control plane's certificate stays unconfigured and says why.
import OpenAI from "openai";
import { type Agent as UndiciAgent, fetch as undiciFetch, request } from "undici";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startAgent, type Agent } from "../../agent/agent.js";
import { eventually } from "../support/eventually.js";
import { standInReply } from "../support/stand-in-provider.js";
import {
  capturedLogger,
  modelsStatus,
  palisade,
  prepareAgent,
  startTlsStack,
  startTlsTerminator,
  trusting,
  type TlsStack,
} from "./tls-stack.js";

let stack: TlsStack;
let agent: Agent;
let callerToken: string;
let dispatcher: UndiciAgent;

beforeAll(async () => {
  stack = await startTlsStack();
  const prepared = await prepareAgent(stack, "tls-agent");
  callerToken = prepared.callerToken;
  agent = await startAgent({
    listen: "localhost:0",
    controlPlane: stack.controlPlane.url,
    token: prepared.enrolment,
    caFile: stack.pki.files.caFile,
    upstreamCaFile: stack.pki.files.caFile,
    tls: { certFile: stack.pki.files.certFile, keyFile: stack.pki.files.keyFile },
  });
  dispatcher = trusting(stack.pki.ca.cert);
  await eventually("the agent to serve connection standin over TLS", async () =>
    (await modelsStatus(agent.url, callerToken, dispatcher)) === 200 ? true : undefined,
  );
});

afterAll(async () => {
  await agent?.close();
  await dispatcher?.close();
  await stack?.close();
});

describe("an agent trusting the control plane's CA", () => {
  it("listens on https and got its configuration over the TLS stream", () => {
    expect(stack.controlPlane.url).toMatch(/^https:\/\//);
    expect(agent.url).toMatch(/^https:\/\//);
  });

  it("serves the real openai client over HTTPS", async () => {
    const client = new OpenAI({
      baseURL: `${agent.url}/standin/v1`,
      apiKey: callerToken,
      maxRetries: 0,
      // The SDK's fetch with a dispatcher that trusts the test CA.
      fetch: (url, init) => undiciFetch(url as string, { ...(init as object), dispatcher }) as unknown as Promise<Response>,
    });
    const completion = await client.chat.completions.create({
      model: "gpt-4o-mini",
      messages: [{ role: "user", content: "hello over tls" }],
    });
    expect(completion.choices[0]?.message.content).toBe(standInReply("hello over tls"));
    expect(stack.provider.requests.at(-1)?.headers.authorization).toBe("Bearer sk-stand-in-upstream");
  });

  it("reaches a private https provider whose certificate the upstream CA file signed", async () => {
    const privateProvider = await startTlsTerminator(stack.provider.url, stack.pki.server);
    try {
      await palisade(stack.env, ["apply", "-f", "-"], `kind: Connection
name: private
provider: openai
upstream: ${privateProvider.url}
credential: { header: authorization, value: Bearer sk-private-upstream }
`);
      const status = await eventually("the agent to serve connection private", async () => {
        const response = await request(`${agent.url}/private/v1/models`, { headers: { authorization: `Bearer ${callerToken}` }, dispatcher });
        await response.body.dump();
        return response.statusCode === 404 ? undefined : response.statusCode;
      });
      expect(status).toBe(200);
      expect(stack.provider.requests.at(-1)?.headers.authorization).toBe("Bearer sk-private-upstream");
    } finally {
      await privateProvider.close();
    }
  });
});

describe("an agent that does not trust the control plane's certificate", () => {
  for (const [name, caFile] of [
    ["without a CA file (Node's roots)", undefined],
    ["with another CA", "otherCaFile"],
  ] as const) {
    it(`${name}: gets no configuration and logs why`, async () => {
      const enrolment = (await prepareAgent(stack, `untrusting-${caFile === undefined ? "roots" : "other"}`)).enrolment;
      const { logger, lines } = capturedLogger();
      const untrusting = await startAgent({
        listen: "127.0.0.1:0",
        controlPlane: stack.controlPlane.url,
        token: enrolment,
        caFile: caFile === undefined ? undefined : stack.pki.files[caFile],
        logger,
      });
      try {
        const logged = await eventually("the agent to log why it cannot connect", async () =>
          lines().find((line) => line.level === 50),
        );
        expect(logged?.msg).toMatch(/^cannot connect to the control plane: its TLS certificate is not trusted \(UNABLE_TO_VERIFY_LEAF_SIGNATURE\)/);
        expect(logged?.msg).toContain("--ca-file");
        const response = await fetch(`${untrusting.url}/standin/v1/models`, { headers: { authorization: `Bearer ${callerToken}` } });
        expect(response.status).toBe(503);
        await response.body?.cancel();
      } finally {
        await untrusting.close();
      }
    });
  }
});
