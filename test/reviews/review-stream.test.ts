// The agent stream's review messages against a real control plane: a ReviewRequest is stored once
// and answered with a ReviewAck (errors in the ack, never a broken stream), and a decision reaches
// the agent as a new snapshot carrying it.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startControlPlane, type ControlPlane } from "../../control-plane/control-plane.js";
import { createGrpcTransport } from "@connectrpc/connect-node";
import { SERVICE_ACCOUNT_ISSUER } from "../../control-plane/tokens/signing-keys.js";
import { openStream, type TestStream } from "../stream/harness.js";
import { palisade, STACK_ADMIN_TOKEN, STACK_SECRET_KEY } from "../support/stack.js";
import { testDatabase, type TestDatabase } from "../support/database.js";
import { reviewRequest } from "./review-fixtures.js";

describe("review messages on the agent stream", () => {
  let db: TestDatabase;
  let controlPlane: ControlPlane;
  let env: Record<string, string>;
  let stream: TestStream;

  beforeAll(async () => {
    db = await testDatabase();
    controlPlane = await startControlPlane({ listen: "127.0.0.1:0", databaseUrl: db.url, adminToken: STACK_ADMIN_TOKEN, secretKey: STACK_SECRET_KEY });
    env = { PALISADE_SERVER: controlPlane.url, PALISADE_TOKEN: STACK_ADMIN_TOKEN, PALISADE_DATA_DIR: "/nonexistent" };
    const token = (await palisade(env, ["agent", "create", "holder"])).trim();
    await palisade(env, ["apply", "-f", "-"], "kind: Policy\nname: needs-review\nconnections: [\"*\"]\naction: allow\n");
    stream = openStream(createGrpcTransport({ baseUrl: controlPlane.url }), token);
    stream.send({ case: "hello", value: { agentName: "holder", version: "test" } });
    await stream.nextOf("welcome");
    await stream.nextOf("snapshot");
  });
  afterAll(async () => {
    stream?.end();
    await controlPlane?.close();
    await db?.close();
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
