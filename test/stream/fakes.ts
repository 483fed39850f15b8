// In-memory implementations of the stream handler's ports that behave like the real ones:
// a registry keyed by token, a snapshot source whose version can be bumped, and an exchange sink
// that stores by id (idempotent) and can be held or made to fail.
import { create } from "@bufbuild/protobuf";
import type { Exchange } from "../../gen/palisade/agent/v1/exchange_pb.js";
import { SnapshotSchema, type Snapshot } from "../../gen/palisade/agent/v1/snapshot_pb.js";
import type {
  AgentRegistry,
  AgentStreamKey,
  EnrolledAgent,
  HelloReport,
  ExchangeSink,
  SnapshotSource,
} from "../../control-plane/stream/ports.js";

/**
 * An agent registry over a token table, recording what the stream reports. Like the real one it
 * keeps the stream that last said Hello per instance, and ignores what superseded streams report.
 */
export class FakeRegistry implements AgentRegistry {
  readonly tokens = new Map<string, EnrolledAgent>();
  readonly connections: { agent: string; instance: string; version: string; segment: string }[] = [];
  readonly applications: { agent: string; instance: string; version: string; error: string }[] = [];
  readonly seenCount = new Map<string, number>();
  /** Agent names (`agent/instance` for a named instance) whose current stream closed. */
  readonly disconnections: string[] = [];
  private readonly currentStream = new Map<string, string>();

  enrol(name: string, segment = ""): string {
    const token = `${name}.${crypto.randomUUID()}`;
    this.tokens.set(token, { name, segment });
    return token;
  }
  revoke(name: string): void {
    for (const [token, agent] of this.tokens) if (agent.name === name) this.tokens.delete(token);
  }
  async authenticate(token: string) {
    return this.tokens.get(token);
  }
  private current(key: AgentStreamKey): boolean {
    return this.currentStream.get(`${key.agent}/${key.instance}`) === key.stream;
  }
  async connected(key: AgentStreamKey, hello: HelloReport) {
    this.currentStream.set(`${key.agent}/${key.instance}`, key.stream);
    this.connections.push({ agent: key.agent, instance: key.instance, version: hello.version, segment: hello.segment });
  }
  async applied(key: AgentStreamKey, version: string, error: string) {
    if (this.current(key)) this.applications.push({ agent: key.agent, instance: key.instance, version, error });
  }
  async seen(key: AgentStreamKey) {
    if (this.current(key)) this.seenCount.set(key.agent, (this.seenCount.get(key.agent) ?? 0) + 1);
  }
  async disconnected(key: AgentStreamKey) {
    if (this.current(key)) this.disconnections.push(key.instance === "" ? key.agent : `${key.agent}/${key.instance}`);
  }
}

/** Snapshots per segment with a version that `bump` raises, notifying watchers like a rebuild. */
export class FakeSnapshots implements SnapshotSource {
  private version = 1;
  private readonly watchers = new Set<() => void>();

  current(segment: string): Snapshot {
    return create(SnapshotSchema, {
      version: String(this.version),
      connections: [{ name: `conn-${segment || "default"}`, upstream: "http://127.0.0.1:9" }],
    });
  }
  watch(onChange: () => void): () => void {
    this.watchers.add(onChange);
    return () => this.watchers.delete(onChange);
  }
  /** A rebuild that changed the configuration. */
  bump(): string {
    this.version += 1;
    this.rebuilt();
    return String(this.version);
  }
  /** A rebuild that changed nothing (the version stays). */
  rebuilt(): void {
    for (const watcher of [...this.watchers]) watcher();
  }
  get watcherCount(): number {
    return this.watchers.size;
  }
}

/** Stores exchanges by id; commits can be held until released, or fail once. */
export class FakeSink implements ExchangeSink {
  readonly stored = new Map<string, Exchange>();
  pendingCommits = 0;
  private gate: Promise<void> | undefined;
  private failures = 0;

  /** Holds every commit until the returned function is called. */
  hold(): () => void {
    let release!: () => void;
    this.gate = new Promise<void>((resolve) => (release = resolve));
    return () => {
      this.gate = undefined;
      release();
    };
  }
  failNext(): void {
    this.failures += 1;
  }
  async commit(_agent: string, exchanges: Exchange[]): Promise<string[]> {
    this.pendingCommits += 1;
    try {
      if (this.gate) await this.gate;
      if (this.failures > 0) {
        this.failures -= 1;
        throw new Error("database unavailable");
      }
      for (const exchange of exchanges) if (!this.stored.has(exchange.id)) this.stored.set(exchange.id, exchange);
      return exchanges.map((exchange) => exchange.id);
    } finally {
      this.pendingCommits -= 1;
    }
  }
}
