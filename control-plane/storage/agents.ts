// Enrolled agents: their hashed enrolment tokens, and the stream state of their instances
// (agent-instances.ts).
import type { InferEntity } from "@mikro-orm/core";
import type { AgentRegistry, EnrolledAgent } from "../stream/ports.js";
import { createInstanceWriter, readInstances, type InstanceWindows, type StoredInstance } from "./agent-instances.js";
import { hashToken, matchesHash, randomSecret } from "../auth/token-hash.js";
import { recordChange } from "./change-events.js";
import type { Database } from "./database.js";
import { AgentRow } from "./entities.js";

/** An agent as stored (without its token hash), with its instances heard from lately. */
export type StoredAgent = Omit<InferEntity<typeof AgentRow>, "tokenHash"> & { instances: StoredInstance[] };

/** Why an enrolment could not be made. */
export class AgentExistsError extends Error {}

/** Agents as the admin API manages them. */
export interface AgentStore {
  /** Enrols `name` (or, with `rotate`, replaces its token); returns the token, shown only now. */
  enrol(name: string, segment: string, rotate: boolean, actor: string): Promise<{ agent: StoredAgent; token: string }>;
  get(name: string): Promise<StoredAgent | undefined>;
  /** Every agent, ordered by name. */
  list(): Promise<StoredAgent[]>;
  /** Removes the agent, which also invalidates its token; false when unknown. */
  remove(name: string, actor: string): Promise<boolean>;
}

function withoutHash(row: InferEntity<typeof AgentRow>, instances: StoredInstance[] = []): StoredAgent {
  const { tokenHash: _, ...agent } = row;
  return { ...agent, instances };
}

/** The agent store over `db`; `windows` shortens the instance windows (tests). */
export function createAgentStore(db: Database, windows?: InstanceWindows): AgentStore {
  return {
    async enrol(name, segment, rotate, actor) {
      const token = `${name}.${randomSecret()}`;
      const enrolled = await db.transaction(async (tx) => {
        let row = await tx.findOne(AgentRow, { name });
        if (row && !rotate) throw new AgentExistsError(`agent ${name} already exists`);
        if (row) {
          row.tokenHash = hashToken(token);
          if (segment) row.segment = segment;
        } else {
          row = tx.create(AgentRow, { name, segment, tokenHash: hashToken(token), createdAt: new Date() });
        }
        await tx.flush();
        await recordChange(tx, { kind: "agent", name, action: rotate ? "update" : "create", actor });
        return withoutHash(row);
      });
      // Read after the commit: PGlite is one session, a read beside the transaction would wait for it.
      return { agent: { ...enrolled, instances: (await readInstances(db, [name], windows)).get(name) ?? [] }, token };
    },
    async get(name) {
      const row = await db.em().findOne(AgentRow, { name });
      return row ? withoutHash(row, (await readInstances(db, [name], windows)).get(name)) : undefined;
    },
    async list() {
      const rows = await db.em().find(AgentRow, {}, { orderBy: { name: "asc" } });
      const instances = await readInstances(db, undefined, windows);
      return rows.map((row) => withoutHash(row, instances.get(row.name)));
    },
    remove(name, actor) {
      return db.transaction(async (tx) => {
        const removed = (await tx.nativeDelete(AgentRow, { name })) > 0;
        if (removed) await recordChange(tx, { kind: "agent", name, action: "delete", actor });
        return removed;
      });
    },
  };
}

/** The stream handler's view of agents, over `db`. */
export function createAgentRegistry(db: Database, instanceRetentionMs?: number): AgentRegistry {
  const instances = createInstanceWriter(db, instanceRetentionMs);
  return {
    async authenticate(token): Promise<EnrolledAgent | undefined> {
      const dot = token.indexOf(".");
      if (dot <= 0) return undefined;
      const row = await db.em().findOne(AgentRow, { name: token.slice(0, dot) });
      if (!row || !matchesHash(token, row.tokenHash)) return undefined;
      return { name: row.name, segment: row.segment };
    },
    connected: (key, hello) => instances.connected(key, { version: hello.version, appliedVersion: hello.lastSnapshotVersion }),
    // The version the instance runs after an ACK or a NACK; a NACK's error stays until the next ACK.
    applied: (key, version, error) => instances.applied(key, version, error),
    seen: (key) => instances.seen(key),
    disconnected: (key) => instances.disconnected(key),
  };
}
