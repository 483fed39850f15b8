// The agent's side of the control stream against a fake control plane speaking real gRPC:
// Hello first, ACK/NACK (a NACK keeps the last good snapshot), the bounded buffer failing closed,
// and unacknowledged exchanges resent after a reconnect.
import { create } from "@bufbuild/protobuf";
import OpenAI from "openai";
import { afterEach, describe, expect, it } from "vitest";
import { Provider, SnapshotSchema } from "../../gen/palisade/agent/v1/snapshot_pb.js";
import { standInReply } from "../support/stand-in-provider.js";
import { startFakeControlPlane } from "./fake-control-plane.js";
import { eventually } from "../support/eventually.js";
import { agentToken, startTestBed, testSnapshot, type TestBed } from "./test-bed.js";

type APIError = InstanceType<typeof OpenAI.APIError>;

let bed: TestBed | undefined;
afterEach(async () => {
  await bed?.close();
  bed = undefined;
});

const chat = { model: "gpt-test", messages: [{ role: "user" as const, content: "ping" }] };

describe("control stream", () => {
  it("says hello first with name, segment, version, and ACKs the snapshot with its nonce", async () => {
    bed = await startTestBed({ segment: "eu-west" });
    const { controlPlane } = bed;
    expect(controlPlane.hellos[0]).toMatchObject({ agentName: "edge-1", segment: "eu-west", version: "0.1.0", lastSnapshotVersion: "" });
    expect(controlPlane.acks[0]).toMatchObject({ version: "1", error: "" });
    expect(controlPlane.acks[0]?.nonce).toMatch(/^[0-9a-f-]{36}$/);
  });

  it("sends heartbeats at the interval the Welcome names, reopening the stream when the control plane ends it", async () => {
    bed = await startTestBed();
    const { controlPlane } = bed;
    controlPlane.heartbeatMs = 50;
    controlPlane.endStreams();
    await eventually("two heartbeats", () => controlPlane.heartbeats.length >= 2);
    expect(controlPlane.streams).toBe(2);
    expect(controlPlane.heartbeats[0]).toMatchObject({ bufferedExchanges: 0 });
    expect(controlPlane.heartbeats[0]?.time).toBeDefined();
  });

  it("NACKs a snapshot it cannot compile and keeps serving on the last good one", async () => {
    bed = await startTestBed();
    const { controlPlane, provider, issuer } = bed;
    const broken = testSnapshot(provider.url, issuer.jwk, "2");
    broken.connections[0]!.provider = Provider.UNSPECIFIED;
    controlPlane.push(broken);
    const nack = await eventually("a NACK", () => controlPlane.acks.find((ack) => ack.error !== ""));
    expect(nack).toMatchObject({ version: "1", error: expect.stringContaining("unknown provider") });

    const reply = await (await bed.openai()).chat.completions.create(chat);
    expect(reply.choices[0]?.message.content).toBe(standInReply("ping"));

    // A good snapshot afterwards applies: the connection list now lacks `openai`.
    controlPlane.push(create(SnapshotSchema, { ...testSnapshot(provider.url, issuer.jwk, "3"), connections: [] }));
    await eventually("ACK of version 3", () => controlPlane.acks.some((ack) => ack.version === "3" && ack.error === ""));
    await expect((await bed.openai()).chat.completions.create(chat)).rejects.toBeInstanceOf(OpenAI.NotFoundError);
  });

  it("fails closed when the audit buffer is full, and recovers once the control plane acknowledges", async () => {
    bed = await startTestBed({ bufferSize: 2 });
    const { controlPlane } = bed;
    controlPlane.ackExchanges = false;
    const client = await bed.openai();
    await client.chat.completions.create(chat);
    await client.chat.completions.create(chat);
    const before = bed.provider.requests.length;

    const refused = await client.chat.completions.create(chat).catch((error: unknown) => error);
    expect(refused).toBeInstanceOf(OpenAI.InternalServerError);
    expect((refused as APIError).status).toBe(503);
    expect((refused as APIError).message).toContain("audit buffer full");
    expect((refused as APIError).headers?.get("x-palisade-session")).toBeTruthy();
    expect(bed.provider.requests.length).toBe(before); // not forwarded

    await eventually("both exchanges stored", () => controlPlane.exchanges.size === 2);
    controlPlane.ackExchanges = true;
    controlPlane.ackAll();
    // The ACK travels asynchronously: retry (bounded) until the agent admits requests again.
    await eventually("the agent to admit requests again", async () => {
      const outcome = await client.chat.completions.create(chat).catch((error: unknown) => error);
      if (!(outcome instanceof OpenAI.APIError)) return true;
      expect(outcome.status).toBe(503);
      return false;
    }, 10_000);
  });

  it("resends unacknowledged exchanges after the stream breaks, stored once by id", async () => {
    bed = await startTestBed();
    const { controlPlane } = bed;
    controlPlane.dropOnExchanges = 1;
    const streamsBefore = controlPlane.streams;
    const { response } = await (await bed.openai()).chat.completions.create(chat).withResponse();
    const session = response.headers.get("x-palisade-session")!;

    const exchange = await eventually("the exchange after the reconnect", () => controlPlane.exchanges.get(session));
    expect(controlPlane.streams).toBeGreaterThan(streamsBefore);
    expect(exchange.status).toBe(200);
    expect(controlPlane.hellos.at(-1)?.lastSnapshotVersion).toBe("1");
    // Resending is harmless (dedup by id), and the agent stops once acknowledged.
    expect(controlPlane.received.filter((e) => e.id === session).length).toBeGreaterThanOrEqual(1);
  });

  it("keeps serving on its last snapshot while the control plane is away, and delivers the records when it is back", async () => {
    bed = await startTestBed();
    const { controlPlane, provider, issuer } = bed;
    await controlPlane.close();
    const { response } = await (await bed.openai()).chat.completions.create(chat).withResponse();
    const session = response.headers.get("x-palisade-session")!;

    const port = Number(new URL(controlPlane.url).port);
    const restarted = await startFakeControlPlane(agentToken, testSnapshot(provider.url, issuer.jwk), port);
    try {
      const exchange = await eventually("the exchange at the restarted control plane", () => restarted.exchanges.get(session), 20_000);
      expect(exchange.status).toBe(200);
      expect(restarted.hellos[0]?.lastSnapshotVersion).toBe("1");
    } finally {
      await bed.agent.close();
      await restarted.close();
    }
  });
});
