// Every mutating admin RPC leaves an 'admin' entry in the chain: who, which RPC, what it named.
// The interceptor puts the pending entry in the RPC's async context; the first database transaction
// the RPC commits carries it (Database.transaction asks the call's transaction carrier just before commit), so the
// change and its entry commit together. An RPC that commits no transaction of its own (or whose
// writes bypass Database.transaction) gets its entry in a transaction of its own right after it
// succeeded. A failed RPC whose transactions all rolled back leaves no entry.
import { AsyncLocalStorage } from "node:async_hooks";
import type { Interceptor } from "@connectrpc/connect";
import type { EntityManager } from "@mikro-orm/sql";
import { adminCallerKey } from "../auth/admin-auth.js";
import type { Database } from "../storage/database.js";
import { runWithCarrier } from "../storage/transaction-carrier.js";
import { appendAuditEvents, type AuditEventInput } from "./audit-log.js";
import { summariseMessage } from "./admin-summary.js";

// RPC names that only read. Everything else counts as mutating (a new RPC is audited by default).
const READ_ONLY = /^(Get|List|Verify|Export|Search|Tail|Watch|Show|Stream)/;

interface PendingAdminEvent {
  event: AuditEventInput;
  /** Set once a transaction carrying the entry has committed. */
  committed: boolean;
  /** Set when the RPC has ended: later transactions in its async context carry nothing. */
  ended: boolean;
}

// The entry of the RPC whose async context this is, for setAdminEventActor.
const pending = new AsyncLocalStorage<PendingAdminEvent>();

/** Whether an RPC of that name is audited. */
export function isMutatingRpc(method: string): boolean {
  return !READ_ONLY.test(method);
}

/**
 * Appends the RPC's pending admin entry (unless already carried) in `tx`; returns what to call once
 * `tx` has committed.
 */
async function carryAdminEvent(current: PendingAdminEvent, tx: EntityManager): Promise<(() => void) | undefined> {
  if (current.committed || current.ended) return undefined;
  await appendAuditEvents(tx, [current.event]);
  return () => { current.committed = true; };
}

/**
 * Names the actor of the current RPC's admin entry when the RPC itself establishes who that is
 * (signing in, which runs as "anonymous").
 */
export function setAdminEventActor(actor: string): void {
  const current = pending.getStore();
  if (current && !current.committed) current.event.subject = actor;
}

/** The interceptor auditing mutating RPCs; runs after authentication (it reads the caller). */
export function adminAuditInterceptor(db: Database): Interceptor {
  return (next) => async (request) => {
    if (request.stream || !isMutatingRpc(request.method.name)) return next(request);
    const caller = request.contextValues.get(adminCallerKey);
    const current: PendingAdminEvent = {
      event: {
        type: "admin",
        subject: caller.actor,
        payload: {
          rpc: `${request.service.typeName}/${request.method.name}`,
          request: summariseMessage(request.method.input, request.message),
        },
      },
      committed: false,
      ended: false,
    };
    try {
      const response = await pending.run(current, () => runWithCarrier((tx) => carryAdminEvent(current, tx), () => next(request)));
      if (!current.committed && !response.stream) {
        current.event.payload.response = summariseMessage(request.method.output, response.message);
        await db.transaction((tx) => appendAuditEvents(tx, [current.event]));
        current.committed = true;
      }
      return response;
    } finally {
      current.ended = true;
    }
  };
}
