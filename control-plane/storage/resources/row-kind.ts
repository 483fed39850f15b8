// The storage shape most resource kinds share: one row per resource, keyed by `name`, with
// `createdAt`/`updatedAt`, read into its API message by `toMessage`. `rowKind` builds a kind from
// that and the columns a message is stored as: apply inserts when the name is new, does nothing
// when the stored columns are the same, and updates otherwise. Kinds whose apply is their own
// (a credential or secret to seal) take only the reads and the delete from `rowReads`.
import type { EntityName, FilterQuery, OrderDefinition, RequiredEntityData } from "@mikro-orm/core";
import type { EntityManager } from "@mikro-orm/sql";
import type { Kind } from "../../../gen/palisade/admin/v1/resources_pb.js";
import { Outcome, type ResourceKind } from "./resource-kind.js";

/** A stored resource row. */
export interface NamedRow {
  name: string;
  createdAt: Date;
  updatedAt: Date;
}

/** How one kind's rows map to its messages. */
export interface RowReads<M, R extends NamedRow> {
  kind: Kind;
  /** The change-event kind and the word used in messages ("connection"). */
  label: string;
  entity: EntityName<R>;
  toMessage(row: R): M;
}

/** A kind stored as plain columns. */
export interface RowKindSpec<M extends { name: string }, R extends NamedRow, C extends object> extends RowReads<M, R> {
  /** The columns `message` (validated) is stored as: everything but its name and times. */
  columns(message: M): C;
  /** Whether `row` already holds `columns`. */
  same(row: R, columns: C): boolean;
}

const byName = <R extends NamedRow>(name: string) => ({ name }) as FilterQuery<R>;

/** get, list (ordered by name) and remove of a kind stored as {@link RowReads}. */
export function rowReads<M, R extends NamedRow>(spec: RowReads<M, R>): Omit<ResourceKind<M>, "apply"> {
  return {
    kind: spec.kind,
    label: spec.label,
    async get(em, name) {
      const row = await em.findOne(spec.entity, byName<R>(name));
      return row ? spec.toMessage(row) : undefined;
    },
    async list(em) {
      const rows = await em.find(spec.entity, {} as FilterQuery<R>, { orderBy: { name: "asc" } as OrderDefinition<R> });
      return rows.map((row) => spec.toMessage(row));
    },
    async remove(tx, name) {
      return (await tx.nativeDelete(spec.entity, byName<R>(name))) > 0;
    },
  };
}

/** A whole kind stored as {@link RowKindSpec}. */
export function rowKind<M extends { name: string }, R extends NamedRow, C extends object>(spec: RowKindSpec<M, R, C>): ResourceKind<M> {
  return {
    ...rowReads(spec),
    async apply(tx: EntityManager, message: M, now: Date) {
      const wanted = spec.columns(message);
      const row = (await tx.findOne(spec.entity, byName<R>(message.name))) as R | null;
      if (!row) {
        tx.create(spec.entity, { name: message.name, ...wanted, createdAt: now, updatedAt: now } as RequiredEntityData<R>);
        await tx.flush();
        return Outcome.CREATED;
      }
      if (spec.same(row, wanted)) return Outcome.UNCHANGED;
      Object.assign(row, wanted, { updatedAt: now });
      await tx.flush();
      return Outcome.UPDATED;
    },
  };
}
