// Agent instances: the stream state of each running process of an agent (docs/agent.md
// "Instances"). Written by the stream handler through the AgentRegistry port, read by the admin
// API. Every write names the stream it comes from, so a superseded stream of the same instance
// (a reconnect that reached another replica first) changes nothing. Times are the database's.
import type { AgentStreamKey } from "../stream/ports.js";
import type { Database } from "./database.js";

/** How long an instance's row outlives its last sign of life (then it is no longer shown, and pruned). */
export const INSTANCE_RETENTION_MS = 15 * 60_000;

/**
 * An instance unheard for this long is shown as disconnected even if its row says connected: a
 * replica that crashed never recorded the end of its streams. Three heartbeats (10 s each).
 */
export const INSTANCE_STALE_AFTER_MS = 30_000;

/** One instance as stored, with `connected` already judged against its last sign of life. */
export interface StoredInstance {
  agent: string;
  instance: string;
  connected: boolean;
  version: string;
  appliedVersion: string;
  lastError: string;
  connectTime: Date;
  lastSeen: Date;
}

/** How instances are read: the stale and retention windows (tests shorten them). */
export interface InstanceWindows {
  staleAfterMs: number;
  retentionMs: number;
}

const defaultWindows: InstanceWindows = { staleAfterMs: INSTANCE_STALE_AFTER_MS, retentionMs: INSTANCE_RETENTION_MS };

interface InstanceSqlRow {
  agent: string; instance: string; live: boolean; version: string; applied_version: string;
  last_error: string; connect_time: Date | string; last_seen: Date | string;
}

const millis = "(? * interval '1 millisecond')";

/**
 * The instances of `agents` (every agent when undefined) heard from within the retention window,
 * per agent: connected ones first, then by name.
 */
export async function readInstances(db: Database, agents?: readonly string[], windows: InstanceWindows = defaultWindows): Promise<Map<string, StoredInstance[]>> {
  const byAgent = new Map<string, StoredInstance[]>();
  if (agents?.length === 0) return byAgent;
  const only = agents === undefined ? "" : `and agent in (${agents.map(() => "?").join(", ")})`;
  const rows = await db.em().execute<InstanceSqlRow[]>(
    `select agent, instance, connected and last_seen > now() - ${millis} as live, version, applied_version,
       last_error, connect_time, last_seen
     from agent_instance where last_seen > now() - ${millis} ${only}
     order by agent, live desc, instance`,
    [windows.staleAfterMs, windows.retentionMs, ...(agents ?? [])],
  );
  for (const row of rows) {
    const list = byAgent.get(row.agent) ?? [];
    byAgent.set(row.agent, list);
    list.push({
      agent: row.agent, instance: row.instance, connected: row.live, version: row.version,
      appliedVersion: row.applied_version, lastError: row.last_error,
      connectTime: new Date(row.connect_time), lastSeen: new Date(row.last_seen),
    });
  }
  return byAgent;
}

/** The registry's writes of instance state over `db`. */
export interface InstanceWriter {
  /** An accepted Hello: the instance's row now belongs to `key.stream`; aged-out rows of the agent go. */
  connected(key: AgentStreamKey, hello: { version: string; appliedVersion: string }): Promise<void>;
  applied(key: AgentStreamKey, version: string, error: string): Promise<void>;
  seen(key: AgentStreamKey): Promise<void>;
  disconnected(key: AgentStreamKey): Promise<void>;
}

/** Instance writes over `db`; `retentionMs` is how long a silent instance is kept. */
export function createInstanceWriter(db: Database, retentionMs = INSTANCE_RETENTION_MS): InstanceWriter {
  const update = async (key: AgentStreamKey, set: string, params: unknown[]) => {
    await db.em().execute(
      `update agent_instance set ${set}, last_seen = now() where agent = ? and instance = ? and stream_id = ?`,
      [...params, key.agent, key.instance, key.stream],
    );
  };
  return {
    async connected(key, hello) {
      await db.transaction(async (tx) => {
        await tx.execute(
          `insert into agent_instance (agent, instance, stream_id, connected, version, applied_version, last_error, connect_time, last_seen)
           values (?, ?, ?, true, ?, ?, '', now(), now())
           on conflict (agent, instance) do update set stream_id = excluded.stream_id, connected = true,
             version = excluded.version, applied_version = excluded.applied_version, last_error = '',
             connect_time = now(), last_seen = now()`,
          [key.agent, key.instance, key.stream, hello.version, hello.appliedVersion],
        );
        // Pruned here rather than by a timer: every new instance (a rollout) clears its agent's old ones.
        await tx.execute(`delete from agent_instance where agent = ? and last_seen < now() - ${millis}`, [key.agent, retentionMs]);
      });
    },
    applied: (key, version, error) => update(key, "applied_version = ?, last_error = ?", [version, error]),
    seen: (key) => update(key, "connected = true", []),
    disconnected: (key) => update(key, "connected = false", []),
  };
}

/** Orders snapshot versions: change-event ids compare as numbers, anything else as text. */
export function compareVersions(a: string, b: string): number {
  if (/^\d+$/.test(a) && /^\d+$/.test(b)) return a.length - b.length || (a < b ? -1 : a > b ? 1 : 0);
  return a < b ? -1 : a > b ? 1 : 0;
}

/** What an agent's instances add up to (the Agent message's summary fields). */
export interface InstanceSummary {
  connected: boolean;
  connectedInstances: number;
  version: string;
  appliedVersion: string;
  lastError: string;
  lastSeen: Date | undefined;
}

/**
 * Sums up `instances` (as readInstances orders them): the applied version is the oldest among the
 * connected ones (so "applied ≥ V" means every connected instance runs V), else the latest heard.
 */
export function summarise(instances: readonly StoredInstance[]): InstanceSummary {
  const live = instances.filter((instance) => instance.connected);
  const latest = instances.reduce<StoredInstance | undefined>((best, instance) => (!best || instance.lastSeen > best.lastSeen ? instance : best), undefined);
  const oldest = live.reduce<StoredInstance | undefined>((min, instance) => (!min || compareVersions(instance.appliedVersion, min.appliedVersion) < 0 ? instance : min), undefined);
  return {
    connected: live.length > 0,
    connectedInstances: live.length,
    version: latest?.version ?? "",
    appliedVersion: (oldest ?? latest)?.appliedVersion ?? "",
    lastError: instances.find((instance) => instance.lastError !== "")?.lastError ?? "",
    lastSeen: latest?.lastSeen,
  };
}
