// What the resource store needs to know about one kind of configuration resource.
import type { EntityManager } from "@mikro-orm/sql";
import type { Kind } from "../../../gen/palisade/admin/v1/resources_pb.js";
import { Outcome } from "../../../gen/palisade/admin/v1/resource_service_pb.js";

/** Storage of one resource kind, as its API message (secrets removed on the way out). */
export interface ResourceKind<M> {
  kind: Kind;
  /** The change-event kind and the word used in messages ("connection"). */
  label: string;
  get(em: EntityManager, name: string): Promise<M | undefined>;
  /** Every resource of the kind, ordered by name. */
  list(em: EntityManager): Promise<M[]>;
  /** Creates or replaces `message` (already validated) inside `tx`; says what it did. */
  apply(tx: EntityManager, message: M, now: Date): Promise<Outcome>;
  /** Deletes by name inside `tx`; false when there was nothing to delete. */
  remove(tx: EntityManager, name: string): Promise<boolean>;
}

/** Whether two string lists hold the same items in the same order. */
export function sameList(a: readonly string[], b: readonly string[]): boolean {
  return a.length === b.length && a.every((item, i) => item === b[i]);
}

export { Outcome };

/** A resource that is well-formed but cannot be applied as it stands (a message for the caller). */
export class InvalidResourceError extends Error {}
