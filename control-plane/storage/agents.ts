// Enrolled agents: their hashed enrolment tokens and the state their streams report.
import type { InferEntity } from "@mikro-orm/core";
import type { AgentRegistry, EnrolledAgent } from "../stream/ports.js";
import { hashToken, matchesHash, randomSecret } from "../auth/token-hash.js";
import { recordChange } from "./change-events.js";
import type { Database } from "./database.js";
import { AgentRow } from "./entities.js";

/** An agent as stored (without its token hash). */
export type StoredAgent = Omit<InferEntity<typeof AgentRow>, "tokenHash">;

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

function withoutHash(row: InferEntity<typeof AgentRow>): StoredAgent {
  const { tokenHash: _, ...agent } = row;
  return agent;
}

/** The agent store over `db`. */
export function createAgentStore(db: Database): AgentStore {
  return {
    enrol(name, segment, rotate, actor) {
      const token = `${name}.${randomSecret()}`;
      return db.transaction(async (tx) => {
        let row = await tx.findOne(AgentRow, { name });
        if (row && !rotate) throw new AgentExistsError(`agent ${name} already exists`);
        if (row) {
          row.tokenHash = hashToken(token);
          if (segment) row.segment = segment;
        } else {
          row = tx.create(AgentRow, {
            name, segment, tokenHash: hashToken(token), connected: false, version: "",
            appliedVersion: "", lastError: "", lastSeen: null, createdAt: new Date(),
          });
        }
        await tx.flush();
        await recordChange(tx, { kind: "agent", name, action: rotate ? "update" : "create", actor });
        return { agent: withoutHash(row), token };
      });
    },
    async get(name) {
      const row = await db.em().findOne(AgentRow, { name });
      return row ? withoutHash(row) : undefined;
    },
    async list() {
      const rows = await db.em().find(AgentRow, {}, { orderBy: { name: "asc" } });
      return rows.map(withoutHash);
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
export function createAgentRegistry(db: Database): AgentRegistry {
  const update = async (name: string, fields: Partial<InferEntity<typeof AgentRow>>) => {
    await db.em().nativeUpdate(AgentRow, { name }, fields);
  };
  return {
    async authenticate(token): Promise<EnrolledAgent | undefined> {
      const dot = token.indexOf(".");
      if (dot <= 0) return undefined;
      const row = await db.em().findOne(AgentRow, { name: token.slice(0, dot) });
      if (!row || !matchesHash(token, row.tokenHash)) return undefined;
      return { name: row.name, segment: row.segment };
    },
    connected: (name, hello) => update(name, { connected: true, version: hello.version, lastSeen: new Date() }),
    // The version the agent runs after an ACK or a NACK; a NACK's error stays until the next ACK.
    applied: (name, version, error) =>
      update(name, { appliedVersion: version, lastError: error, lastSeen: new Date() }),
    seen: (name) => update(name, { lastSeen: new Date() }),
    disconnected: (name) => update(name, { connected: false, lastSeen: new Date() }),
  };
}
