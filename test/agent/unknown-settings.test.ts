// Version skew, closed: a newer control plane may push settings this agent does not know (a field
// or an enum value its schema lacks, kept by protobuf-es as unknown). The agent must not enforce
// the part it understood as if it were the whole — a narrowing it cannot read would let through
// what the operator refused. Over the real control stream (the fake control plane serialises the
// unknown fields as a newer encoder would), each kind of setting refuses what it governs.
import { create } from "@bufbuild/protobuf";
import { BinaryWriter, WireType } from "@bufbuild/protobuf/wire";
import OpenAI from "openai";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Verdict } from "../../gen/palisade/agent/v1/exchange_pb.js";
import { type MaskDirection, PolicyAction, PolicySchema } from "../../gen/palisade/agent/v1/snapshot_pb.js";
import { eventually } from "../support/eventually.js";
import { startTestBed, testSnapshot, type TestBed } from "./test-bed.js";

type APIError = InstanceType<typeof OpenAI.APIError>;

/** A setting a newer control plane would write: field `no`, a varint. */
const newerField = (no: number) => [{ no, wireType: WireType.Varint, data: new BinaryWriter().uint32(1).finish() }];

let bed: TestBed;
beforeAll(async () => {
  bed = await startTestBed();
});
afterAll(() => bed?.close());

const recorded = (id: string) => eventually(`exchange ${id}`, () => bed.controlPlane.exchanges.get(id));

async function push(version: string, change: (snapshot: ReturnType<typeof testSnapshot>) => void): Promise<void> {
  const snapshot = testSnapshot(bed.provider.url, bed.issuer.jwk, version);
  change(snapshot);
  bed.controlPlane.push(snapshot);
  const ack = await eventually(`ACK of version ${version}`, () => bed.controlPlane.acks.find((one) => one.version === version));
  expect(ack.error).toBe(""); // applied, not NACKed: the rest of the snapshot (blocks, revocations) still reaches the agent
}

async function ask(model: string, connection = "openai", apiKey?: string): Promise<APIError | undefined> {
  const client = await bed.openai(apiKey, connection);
  return client.chat.completions.create({ model, messages: [{ role: "user", content: "hello" }] }).then(
    () => undefined,
    (error: unknown) => error as APIError,
  );
}

describe("settings this agent does not know", () => {
  it("a policy with an unknown field denies where it applies, instead of acting as the part it read", async () => {
    await push("2", (snapshot) => {
      // An allow that a newer control plane narrows with a field this agent lacks: read without it, it would allow every gpt-special request.
      const narrowed = create(PolicySchema, { name: "special-only-for-x", priority: 10, connections: ["openai"], when: 'request.model == "gpt-special"', action: PolicyAction.ALLOW });
      narrowed.$unknown = newerField(60);
      // A mask policy with a direction this agent's enum does not list.
      const masking = create(PolicySchema, { name: "mask-new-way", priority: 5, connections: ["openai"], when: 'request.model == "gpt-masked"', action: PolicyAction.MASK, detectors: ["email"], direction: 9 as MaskDirection });
      snapshot.policies.push(narrowed, masking);
    });
    const before = bed.provider.requests.length;
    for (const [model, policy, setting] of [["gpt-special", "special-only-for-x", "#60"], ["gpt-masked", "mask-new-way", "direction=9"]] as const) {
      const error = await ask(model);
      expect(error?.status).toBe(403);
      expect(error?.message).toContain(`policy ${policy}`);
      expect(error?.message).toContain("does not know");
      const exchange = await recorded(error?.headers?.get("x-palisade-session") ?? "");
      expect(exchange).toMatchObject({ status: 403, verdict: Verdict.DENIED, policy });
      expect(exchange.reason).toContain(setting);
    }
    expect(bed.provider.requests.length).toBe(before);
    expect(await ask("gpt-4o-mini")).toBeUndefined(); // what the unknown settings do not govern is served
    expect(bed.provider.requests.length).toBe(before + 1);
  });

  it("a connection with an unknown setting refuses every request on it with 503; the others serve", async () => {
    await push("3", (snapshot) => {
      snapshot.connections[0]!.$unknown = newerField(41);
    });
    const error = await ask("gpt-4o-mini");
    expect(error?.status).toBe(503);
    expect(error?.message).toContain("#41");
    const exchange = await recorded(error?.headers?.get("x-palisade-session") ?? "");
    expect(exchange).toMatchObject({ status: 503, verdict: Verdict.DENIED });
    const claude = await fetch(`${bed.agent.url}/claude/v1/messages`, {
      method: "POST",
      headers: { "x-api-key": await bed.issuer.token(), "content-type": "application/json", "anthropic-version": "2023-06-01" },
      body: JSON.stringify({ model: "claude-x", max_tokens: 8, messages: [{ role: "user", content: "hello" }] }),
    });
    expect(claude.status).toBe(200);
  });

  it("a kind of setting the snapshot itself holds refuses every connection", async () => {
    await push("4", (snapshot) => {
      snapshot.$unknown = newerField(77);
    });
    for (const connection of ["openai", "claude"]) {
      const error = await ask("gpt-4o-mini", connection);
      expect(error?.status).toBe(503);
    }
  });

  it("an issuer with an unknown setting has its tokens refused (401), naming why in the record", async () => {
    await push("5", (snapshot) => {
      snapshot.issuers[0]!.$unknown = newerField(30);
    });
    const error = await ask("gpt-4o-mini");
    expect(error).toBeInstanceOf(OpenAI.AuthenticationError);
    const exchange = await recorded(error?.headers?.get("x-palisade-session") ?? "");
    expect(exchange.reason).toContain("issuer palisade has settings this agent does not know (#30)");
  });
});
