// The agent stream protocol over a real port (gRPC over HTTP/2 via connect-node's transport),
// with in-memory fakes behind the handler.
import { create, type MessageInitShape } from "@bufbuild/protobuf";
import { Code } from "@connectrpc/connect";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { ExchangeSchema, type Exchange } from "../../gen/palisade/agent/v1/exchange_pb.js";
import { eventually } from "../support/eventually.js";
import { openStream, startHarness, type Harness, type TestStream } from "./harness.js";

let h: Harness;
beforeEach(async () => {
  h = await startHarness();
});
afterEach(async () => {
  await h.close();
});

function exchange(id: string, init: MessageInitShape<typeof ExchangeSchema> = {}): Exchange {
  return create(ExchangeSchema, { id, connection: "openai", method: "POST", status: 200, ...init });
}

/** Connects as a freshly enrolled agent and completes the handshake. */
async function connected(name = "edge-1", segment = "") {
  const token = h.registry.enrol(name, segment);
  const stream = openStream(h.transport, token);
  stream.send({ case: "hello", value: { agentName: name, version: "1.2.3" } });
  const welcome = await stream.nextOf("welcome");
  const snapshot = await stream.nextOf("snapshot");
  return { stream, token, welcome, snapshot };
}

async function endedWith(stream: TestStream) {
  const error = await stream.ended;
  expect(error, "stream should end with an error").toBeDefined();
  return error!;
}

describe("authentication and hello", () => {
  it("refuses a stream without a token", async () => {
    const stream = openStream(h.transport, undefined);
    stream.send({ case: "hello", value: { agentName: "edge-1" } });
    expect((await endedWith(stream)).code).toBe(Code.Unauthenticated);
  });

  it("ends the streams of the replaced token with UNAUTHENTICATED, not one already opened with the new token", async () => {
    const { stream: old } = await connected("edge-1");
    // The rotation commits, and the agent restarted with the new token connects before this
    // replica hears of the rotation (the change log's watcher, or the rotating RPC itself).
    h.registry.revoke("edge-1");
    const { stream: renewed } = await connected("edge-1");
    await h.stream.disconnect("edge-1", "rotated");
    const error = await endedWith(old);
    expect(error.code).toBe(Code.Unauthenticated);
    expect(error.rawMessage).toBe("enrolment token replaced");
    // Still open after the rotation's disconnect resolved: only a later deletion ends it.
    await h.stream.disconnect("edge-1", "deleted");
    expect((await endedWith(renewed)).code).toBe(Code.PermissionDenied);
  });

  it("ends a stream whose token cannot be checked after a rotation with UNAVAILABLE (it reconnects and is checked then)", async () => {
    const { stream } = await connected("edge-1");
    h.registry.authenticate = async () => {
      throw new Error("database restarting");
    };
    await h.stream.disconnect("edge-1", "rotated");
    expect((await endedWith(stream)).code).toBe(Code.Unavailable);
  });

  it("ends, before sending anything, a stream whose token was replaced between its check and its tracking", async () => {
    const token = h.registry.enrol("edge-1");
    const authenticate = h.registry.authenticate.bind(h.registry);
    let checks = 0;
    // The rotation commits right after the first check: disconnect() ran before this stream was tracked.
    h.registry.authenticate = async (given: string) => {
      const agent = await authenticate(given);
      if (++checks === 1) h.registry.revoke("edge-1");
      return agent;
    };
    const stream = openStream(h.transport, token);
    stream.send({ case: "hello", value: { agentName: "edge-1", version: "1.2.3" } });
    expect((await endedWith(stream)).code).toBe(Code.Unauthenticated);
    await expect(stream.next()).rejects.toThrow(/stream ended/);
  });

  it("refuses an unknown token", async () => {
    h.registry.enrol("edge-1");
    const stream = openStream(h.transport, "edge-1.not-the-secret");
    stream.send({ case: "hello", value: { agentName: "edge-1" } });
    expect((await endedWith(stream)).code).toBe(Code.Unauthenticated);
  });

  it("refuses a first message that is not a Hello", async () => {
    const stream = openStream(h.transport, h.registry.enrol("edge-1"));
    stream.send({ case: "heartbeat", value: {} });
    const error = await endedWith(stream);
    expect(error.code).toBe(Code.FailedPrecondition);
    expect(h.registry.connections).toEqual([]);
  });

  it("ends an authenticated stream that never says Hello", async () => {
    const quiet = await startHarness({ helloTimeoutMs: 200 });
    try {
      const stream = openStream(quiet.transport, quiet.registry.enrol("edge-1"));
      const error = await endedWith(stream);
      expect(error.code).toBe(Code.DeadlineExceeded);
      expect(quiet.registry.connections).toEqual([]);
    } finally {
      await quiet.close();
    }
  });

  it("refuses a Hello naming another agent than the token's", async () => {
    h.registry.enrol("edge-2");
    const stream = openStream(h.transport, h.registry.enrol("edge-1"));
    stream.send({ case: "hello", value: { agentName: "edge-2" } });
    expect((await endedWith(stream)).code).toBe(Code.PermissionDenied);
  });

  it("refuses a Hello claiming another segment than the enrolled one", async () => {
    const stream = openStream(h.transport, h.registry.enrol("edge-1", "eu"));
    stream.send({ case: "hello", value: { agentName: "edge-1", segment: "us" } });
    expect((await endedWith(stream)).code).toBe(Code.PermissionDenied);
  });

  it("refuses an empty message with INVALID_ARGUMENT", async () => {
    const { stream } = await connected();
    stream.send({ case: undefined });
    expect((await endedWith(stream)).code).toBe(Code.InvalidArgument);
  });

  it("refuses a second Hello", async () => {
    const { stream } = await connected();
    stream.send({ case: "hello", value: { agentName: "edge-1" } });
    expect((await endedWith(stream)).code).toBe(Code.FailedPrecondition);
  });

  it("answers a Hello with Welcome then the segment's full snapshot, and records the connection", async () => {
    const token = h.registry.enrol("edge-1", "eu");
    const stream = openStream(h.transport, token);
    // Even an agent already running the current version gets the full state.
    stream.send({ case: "hello", value: { agentName: "edge-1", version: "1.2.3", lastSnapshotVersion: "1" } });
    const first = await stream.next();
    expect(first.message.case).toBe("welcome");
    const welcome = first.message.value as Extract<typeof first.message, { case: "welcome" }>["value"];
    expect(welcome.segment).toBe("eu");
    expect(welcome.controlPlaneVersion).not.toBe("");
    expect(Number(welcome.heartbeatInterval?.seconds)).toBe(10);
    const snapshot = await stream.nextOf("snapshot");
    expect(snapshot.version).toBe("1");
    expect(snapshot.nonce).not.toBe("");
    expect(snapshot.connections.map((c) => c.name)).toEqual(["conn-eu"]);
    expect(h.registry.connections).toEqual([{ agent: "edge-1", instance: "", version: "1.2.3", segment: "eu" }]);
  });
});

describe("snapshots", () => {
  it("pushes a new snapshot with a new nonce when the version changes, not on an unchanged rebuild", async () => {
    const { stream, snapshot } = await connected();
    h.snapshots.rebuilt(); // same version: nothing to push
    const version = h.snapshots.bump();
    const pushed = await stream.nextOf("snapshot");
    expect(pushed.version).toBe(version);
    expect(pushed.nonce).not.toBe(snapshot.nonce);
  });

  it("records an ACK and a NACK of the latest snapshot", async () => {
    const { stream, snapshot } = await connected();
    stream.send({ case: "snapshotAck", value: { nonce: snapshot.nonce, version: snapshot.version } });
    // Bumping earlier would make this answer stale (its nonce no longer the latest).
    await eventually("the ACK recorded", () => h.registry.applications.length === 1);
    h.snapshots.bump();
    const second = await stream.nextOf("snapshot");
    stream.send({
      case: "snapshotAck",
      value: { nonce: second.nonce, version: snapshot.version, error: "connection x: bad upstream" },
    });
    await eventually("two answers recorded", () => h.registry.applications.length === 2);
    expect(h.registry.applications).toEqual([
      { agent: "edge-1", instance: "", version: "1", error: "" },
      { agent: "edge-1", instance: "", version: "1", error: "connection x: bad upstream" },
    ]);
  });

  it("ignores an answer with a stale nonce", async () => {
    const { stream, snapshot } = await connected();
    h.snapshots.bump();
    const second = await stream.nextOf("snapshot");
    stream.send({ case: "snapshotAck", value: { nonce: snapshot.nonce, version: "1" } });
    stream.send({ case: "snapshotAck", value: { nonce: second.nonce, version: second.version } });
    // Requests are handled in order, so once the second is recorded the first was judged.
    await eventually("the fresh answer recorded", () => h.registry.applications.length > 0);
    expect(h.registry.applications).toEqual([{ agent: "edge-1", instance: "", version: second.version, error: "" }]);
  });
});

describe("exchanges", () => {
  it("ACKs a batch only after the sink has committed it, with the agent set from the stream", async () => {
    const { stream } = await connected();
    const release = h.sink.hold();
    stream.send({ case: "exchanges", value: { exchanges: [exchange("a"), exchange("b", { agent: "someone-else" })] } });
    await eventually("the commit to start", () => h.sink.pendingCommits === 1);
    expect(h.sink.stored.size).toBe(0);
    release();
    const ack = await stream.nextOf("exchangeAck");
    expect(ack.ids).toEqual(["a", "b"]);
    expect([...h.sink.stored.values()].map((e) => e.agent)).toEqual(["edge-1", "edge-1"]);
  });

  it("ACKs resent ids again while storing each once", async () => {
    const { stream } = await connected();
    stream.send({ case: "exchanges", value: { exchanges: [exchange("a")] } });
    expect((await stream.nextOf("exchangeAck")).ids).toEqual(["a"]);
    stream.send({ case: "exchanges", value: { exchanges: [exchange("a"), exchange("b")] } });
    expect((await stream.nextOf("exchangeAck")).ids).toEqual(["a", "b"]);
    expect([...h.sink.stored.keys()]).toEqual(["a", "b"]);
  });

  it("refuses a batch with an exchange without id", async () => {
    const { stream } = await connected();
    stream.send({ case: "exchanges", value: { exchanges: [exchange("a"), exchange("")] } });
    expect((await endedWith(stream)).code).toBe(Code.InvalidArgument);
    expect(h.sink.stored.size).toBe(0);
  });

  it("ends the stream with UNAVAILABLE when a commit fails, without ACKing", async () => {
    const { stream } = await connected();
    h.sink.failNext();
    stream.send({ case: "exchanges", value: { exchanges: [exchange("a")] } });
    expect((await endedWith(stream)).code).toBe(Code.Unavailable);
    expect(h.sink.stored.size).toBe(0);
  });
});

describe("liveness and ending", () => {
  it("records agent heartbeats and sends its own", async () => {
    await h.close();
    h = await startHarness({ heartbeatIntervalMs: 20 });
    const { stream, welcome } = await connected();
    expect(welcome.heartbeatInterval?.nanos).toBe(20_000_000);
    stream.send({ case: "heartbeat", value: { bufferedExchanges: 3 } });
    await eventually("the heartbeat recorded", () => h.registry.seenCount.get("edge-1") === 1);
    expect((await stream.nextOf("heartbeat")).time).toBeDefined();
  });

  it("ends an agent's streams with PERMISSION_DENIED on disconnect, and records the disconnection", async () => {
    const { stream } = await connected("edge-1");
    const other = await connected("edge-2");
    h.stream.disconnect("edge-1", "deleted");
    const error = await endedWith(stream);
    expect(error.code).toBe(Code.PermissionDenied);
    expect(error.rawMessage).toBe("agent deleted");
    await eventually("the disconnection recorded", () => h.registry.disconnections.includes("edge-1"));
    expect(h.snapshots.watcherCount).toBe(1);
    // The other agent is untouched.
    h.snapshots.bump();
    expect((await other.stream.nextOf("snapshot")).version).toBe("2");
  });

  it("ends every stream with UNAVAILABLE on close and refuses new ones", async () => {
    const a = await connected("edge-1");
    const b = await connected("edge-2");
    h.stream.close();
    expect((await endedWith(a.stream)).code).toBe(Code.Unavailable);
    expect((await endedWith(b.stream)).code).toBe(Code.Unavailable);
    const late = openStream(h.transport, h.registry.enrol("edge-3"));
    late.send({ case: "hello", value: { agentName: "edge-3" } });
    expect((await endedWith(late)).code).toBe(Code.Unavailable);
    await eventually("both disconnections recorded", () => h.registry.disconnections.length === 2);
  });

  it("keeps each instance's state apart, and ignores a superseded stream of the same instance", async () => {
    const token = h.registry.enrol("edge-1");
    const hello = (instance: string) => ({ case: "hello" as const, value: { agentName: "edge-1", instance } });
    const [a, b, a2] = [openStream(h.transport, token), openStream(h.transport, token), openStream(h.transport, token)];
    a.send(hello("pod-a/1"));
    const snapshotA = await a.nextOf("snapshot");
    b.send(hello("pod-b/1"));
    const snapshotB = await b.nextOf("snapshot");
    // Each instance ACKs on its own stream and is recorded on its own.
    a.send({ case: "snapshotAck", value: { nonce: snapshotA.nonce, version: snapshotA.version } });
    b.send({ case: "snapshotAck", value: { nonce: snapshotB.nonce, version: "0", error: "cannot compile" } });
    await eventually("both answers recorded", () => h.registry.applications.length === 2);
    expect(h.registry.applications).toEqual(expect.arrayContaining([
      { agent: "edge-1", instance: "pod-a/1", version: snapshotA.version, error: "" },
      { agent: "edge-1", instance: "pod-b/1", version: "0", error: "cannot compile" },
    ]));
    // pod-a reconnects before its old stream is seen to end: the old stream's close records nothing.
    a2.send(hello("pod-a/1"));
    await a2.nextOf("snapshot");
    a.end();
    await a.ended;
    await eventually("the superseded stream cleaned up", () => h.snapshots.watcherCount === 2);
    expect(h.registry.disconnections).toEqual([]);
    b.end();
    await eventually("pod-b's disconnection recorded", () => h.registry.disconnections.length === 1);
    expect(h.registry.disconnections).toEqual(["edge-1/pod-b/1"]);
    a2.end();
    await eventually("pod-a's disconnection recorded", () => h.registry.disconnections.length === 2);
  });

  it("refuses an instance name with control characters or over 128 characters", async () => {
    // C1 controls too: U+009B is an 8-bit CSI some terminals obey in `agent show`.
    for (const instance of ["bad\nname", "bad\u0085name", "bad\u009b2Jname", "x".repeat(129)]) {
      const stream = openStream(h.transport, h.registry.enrol("edge-9"));
      stream.send({ case: "hello", value: { agentName: "edge-9", instance } });
      const error = await endedWith(stream);
      expect(error.code).toBe(Code.InvalidArgument);
      expect(error.rawMessage).toMatch(/instance name/);
    }
  });

  it("cleans up when the agent half-closes its side", async () => {
    const { stream } = await connected();
    stream.end();
    expect(await stream.ended).toBeUndefined();
    await eventually("the disconnection recorded", () => h.registry.disconnections.includes("edge-1"));
    expect(h.snapshots.watcherCount).toBe(0);
  });

  it("ends open streams with UNAVAILABLE when the server closes, and the close completes", async () => {
    const { stream } = await connected();
    await h.server.close();
    expect((await endedWith(stream)).code).toBe(Code.Unavailable);
  });
});
