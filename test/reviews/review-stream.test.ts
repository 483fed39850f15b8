// The agent stream's review messages against a real control plane: a ReviewRequest is stored once
// and answered with a ReviewAck (errors in the ack, never a broken stream), and a decision reaches
// the agent as a new snapshot carrying it.
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createGrpcTransport } from "@connectrpc/connect-node";
import { SERVICE_ACCOUNT_ISSUER } from "../../control-plane/tokens/signing-keys.js";
import { openStream, type TestStream } from "../stream/harness.js";
import { palisade, useControlPlaneBed } from "../support/control-plane-bed.js";
import { eventually } from "../support/eventually.js";
import { reviewRequest } from "./review-fixtures.js";

describe("review messages on the agent stream", () => {
  const control = useControlPlaneBed();
  const { env } = control;
  let stream: TestStream;
  let silent: Server;
  const hooked: string[] = [];

  beforeAll(async () => {
    const token = (await palisade(env, ["agent", "create", "holder"])).trim();
    // A webhook receiver that reads the request and never answers.
    silent = createServer((req) => { req.on("data", () => {}); req.on("end", () => hooked.push(req.url ?? "")); });
    await new Promise<void>((resolve) => silent.listen(0, "127.0.0.1", resolve));
    const hook = `http://127.0.0.1:${(silent.address() as AddressInfo).port}/hook`;
    await palisade(env, ["apply", "-f", "-"], `kind: Policy
name: needs-review
connections: ["*"]
action: review
approvers: [finance]
webhook: ${hook}
`);
    stream = openStream(createGrpcTransport({ baseUrl: control.bed().controlPlane.url }), token);
    stream.send({ case: "hello", value: { agentName: "holder", version: "test" } });
    await stream.nextOf("welcome");
    await stream.nextOf("snapshot");
  });
  afterAll(async () => {
    stream?.end();
    silent?.closeAllConnections();
    silent?.close();
  });

  it("stores a request once, acks a resend, and refuses bad ones in the ack", async () => {
    const request = reviewRequest({ subject: "rita", issuer: SERVICE_ACCOUNT_ISSUER });
    stream.send({ case: "reviewRequest", value: request });
    expect(await stream.nextOf("reviewAck")).toMatchObject({ id: request.id, error: "" });
    stream.send({ case: "reviewRequest", value: request });
    expect(await stream.nextOf("reviewAck")).toMatchObject({ id: request.id, error: "" });
    const unknown = reviewRequest({ subject: "rita", issuer: SERVICE_ACCOUNT_ISSUER, policy: "absent" });
    stream.send({ case: "reviewRequest", value: unknown });
    expect((await stream.nextOf("reviewAck")).error).toMatch(/policy absent does not exist/);
    stream.send({ case: "reviewRequest", value: { ...request, id: "", contentHash: "x" } });
    expect((await stream.nextOf("reviewAck")).error).toMatch(/review id missing/);
    const listed = JSON.parse(await palisade(env, ["review", "list", "-o", "json"])) as Array<{ id: string }>;
    expect(listed.filter((review) => review.id === request.id)).toHaveLength(1);
  });

  it("never waits for the webhook: a receiver that does not answer holds up no ack", async () => {
    const before = hooked.length;
    const started = Date.now();
    for (let i = 0; i < 3; i++) {
      const request = reviewRequest({ subject: "rita", issuer: SERVICE_ACCOUNT_ISSUER });
      stream.send({ case: "reviewRequest", value: request });
      expect((await stream.nextOf("reviewAck")).error).toBe("");
    }
    // Waiting for the receiver would take its 5 s timeout per review: 15 s for the three.
    expect(Date.now() - started).toBeLessThan(10_000);
    await eventually("the webhook to be called", async () => (hooked.length >= before + 3 ? true : undefined));
  });

  it("pushes the decision to the agent in a new snapshot", async () => {
    const request = reviewRequest({ subject: "rita", issuer: SERVICE_ACCOUNT_ISSUER });
    stream.send({ case: "reviewRequest", value: request });
    expect((await stream.nextOf("reviewAck")).error).toBe("");
    await palisade(env, ["review", "deny", request.id, "--reason", "not for you"]);
    for (;;) {
      const snapshot = await stream.nextOf("snapshot");
      const decision = snapshot.reviews.find((review) => review.id === request.id);
      if (!decision) continue;
      expect(decision).toMatchObject({ approved: false, reason: "not for you", subject: "rita", contentHash: request.contentHash });
      break;
    }
  });
});
