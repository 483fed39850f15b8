// The agent's real client library, @grpc/grpc-js, against the control plane's one port, using
// the service definition built from the generated descriptor (what the agent imports).
import { create, type MessageInitShape } from "@bufbuild/protobuf";
import * as grpc from "@grpc/grpc-js";
import { afterEach, beforeEach, expect, it } from "vitest";
import {
  AgentService,
  ConnectRequestSchema,
  type ConnectRequest,
  type ConnectResponse,
} from "../../gen/palisade/agent/v1/agent_pb.js";
import { grpcServiceDefinition } from "../../core/contract/grpc-definition.js";
import { eventually } from "../support/eventually.js";
import { startHarness, type Harness } from "./harness.js";

const AgentClient = grpc.makeGenericClientConstructor(grpcServiceDefinition(AgentService), "AgentService");

let h: Harness;
let client: InstanceType<typeof AgentClient>;
beforeEach(async () => {
  h = await startHarness();
  client = new AgentClient(new URL(h.server.url).host, grpc.credentials.createInsecure());
});
afterEach(async () => {
  client.close();
  await h.close();
});

interface Call {
  send(message: MessageInitShape<typeof ConnectRequestSchema>["message"]): void;
  received: ConnectResponse[];
  status: Promise<grpc.StatusObject>;
}

function connect(token: string | undefined): Call {
  const metadata = new grpc.Metadata();
  if (token !== undefined) metadata.set("authorization", `Bearer ${token}`);
  const stream = client.connect!(metadata) as grpc.ClientDuplexStream<ConnectRequest, ConnectResponse>;
  const received: ConnectResponse[] = [];
  stream.on("data", (response: ConnectResponse) => received.push(response));
  stream.on("error", () => {}); // the status below carries it
  const status = new Promise<grpc.StatusObject>((resolve) => stream.on("status", resolve));
  return {
    send: (message) => stream.write(create(ConnectRequestSchema, { message })),
    received,
    status,
  };
}

const kinds = (call: Call) => call.received.map((r) => r.message.case);

it("runs the protocol with grpc-js: hello, snapshot, ACK, exchanges, then agent deletion", async () => {
  const call = connect(h.registry.enrol("edge-1"));
  call.send({ case: "hello", value: { agentName: "edge-1", version: "0.1.0" } });
  await eventually("welcome and snapshot", () => kinds(call).includes("snapshot"));
  expect(kinds(call)).toEqual(["welcome", "snapshot"]);
  const snapshot = call.received[1]!.message.value as { nonce: string; version: string };

  call.send({ case: "snapshotAck", value: { nonce: snapshot.nonce, version: snapshot.version } });
  call.send({ case: "exchanges", value: { exchanges: [{ id: "x-1", connection: "openai", status: 200 }] } });
  await eventually("the exchange ACK", () => kinds(call).includes("exchangeAck"));
  expect(h.registry.applications).toEqual([{ agent: "edge-1", instance: "", version: "1", error: "" }]);
  expect(h.sink.stored.get("x-1")?.agent).toBe("edge-1");

  h.stream.disconnect("edge-1", "deleted");
  const status = await call.status;
  expect(status.code).toBe(grpc.status.PERMISSION_DENIED);
  expect(status.details).toBe("agent deleted");
});

it("reports a missing token as UNAUTHENTICATED to grpc-js", async () => {
  const call = connect(undefined);
  call.send({ case: "hello", value: { agentName: "edge-1" } });
  expect((await call.status).code).toBe(grpc.status.UNAUTHENTICATED);
});

it("reports shutdown as UNAVAILABLE to grpc-js, so the agent reconnects", async () => {
  const call = connect(h.registry.enrol("edge-1"));
  call.send({ case: "hello", value: { agentName: "edge-1" } });
  await eventually("the snapshot", () => kinds(call).includes("snapshot"));
  await h.close();
  expect((await call.status).code).toBe(grpc.status.UNAVAILABLE);
});
