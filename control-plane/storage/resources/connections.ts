// Connections: stored with their credential sealed (crypto/secret-box.ts), returned without it.
import { create } from "@bufbuild/protobuf";
import { DurationSchema, timestampFromDate } from "@bufbuild/protobuf/wkt";
import type { InferEntity } from "@mikro-orm/core";
import {
  type Connection, ConnectionSchema, Kind, Provider,
} from "../../../gen/palisade/admin/v1/resources_pb.js";
import { secretBox } from "../../crypto/secret-registry.js";
import { ConnectionRow } from "../entities.js";
import { InvalidResourceError, Outcome, type ResourceKind, sameList } from "./resource-kind.js";
import { rowReads } from "./row-kind.js";

type Row = InferEntity<typeof ConnectionRow>;

const providerNames = new Map<Provider, string>([
  [Provider.OPENAI, "openai"], [Provider.ANTHROPIC, "anthropic"], [Provider.GENERIC, "generic"],
]);

/** The stored name of a provider ("openai"); empty for unspecified. */
export function providerName(provider: Provider): string {
  return providerNames.get(provider) ?? "";
}

/** The provider a stored name denotes; UNSPECIFIED for anything unknown. */
export function providerFromName(name: string): Provider {
  for (const [provider, stored] of providerNames) if (stored === name) return provider;
  return Provider.UNSPECIFIED;
}

function toMessage(row: Row): Connection {
  return create(ConnectionSchema, {
    name: row.name,
    provider: providerFromName(row.provider),
    upstream: row.upstream,
    credentialSet: Boolean(row.credentialHeader && row.credentialSealed),
    segments: row.segments,
    allowedGroups: row.allowedGroups,
    retention: row.retentionSeconds > 0 ? create(DurationSchema, { seconds: BigInt(row.retentionSeconds) }) : undefined,
    createTime: timestampFromDate(row.createdAt),
    updateTime: timestampFromDate(row.updatedAt),
  });
}

/** Storage of Connection resources. */
export const connections: ResourceKind<Connection> = {
  ...rowReads({ kind: Kind.CONNECTION, label: "connection", entity: ConnectionRow, toMessage: toMessage }),
  async apply(tx, message, now) {
    const wanted = {
      provider: providerName(message.provider),
      upstream: message.upstream,
      segments: [...message.segments],
      allowedGroups: [...message.allowedGroups],
      retentionSeconds: Number(message.retention?.seconds ?? 0n),
      // An update without a credential keeps the stored one.
      credentialHeader: message.credential?.header.toLowerCase(),
      credentialValue: message.credential?.value,
    };
    const row = await tx.findOne(ConnectionRow, { name: message.name });
    if (!row) {
      if (!message.credential) {
        throw new InvalidResourceError(`connection "${message.name}": credential is required when creating it`);
      }
      const { credentialValue, ...fields } = wanted;
      tx.create(ConnectionRow, {
        name: message.name, ...fields,
        credentialHeader: wanted.credentialHeader ?? null,
        credentialSealed: credentialValue === undefined ? null : secretBox(tx).seal(credentialValue),
        createdAt: now, updatedAt: now,
      });
      await tx.flush();
      return Outcome.CREATED;
    }
    // Compared in clear: sealing the same value twice never gives the same text.
    const stored = row.credentialSealed ? secretBox(tx).open(row.credentialSealed) : null;
    const next = {
      provider: wanted.provider,
      upstream: wanted.upstream,
      segments: wanted.segments,
      allowedGroups: wanted.allowedGroups,
      retentionSeconds: wanted.retentionSeconds,
      credentialHeader: wanted.credentialHeader ?? row.credentialHeader,
      credentialValue: wanted.credentialValue ?? stored,
    };
    if (next.provider === row.provider && next.upstream === row.upstream
      && sameList(next.segments, row.segments) && sameList(next.allowedGroups, row.allowedGroups)
      && next.retentionSeconds === row.retentionSeconds
      && next.credentialHeader === row.credentialHeader
      && next.credentialValue === stored) {
      return Outcome.UNCHANGED;
    }
    const { credentialValue, ...rest } = next;
    const credentialSealed = credentialValue === stored ? row.credentialSealed ?? null
      : credentialValue === null ? null : secretBox(tx).seal(credentialValue);
    Object.assign(row, rest, { credentialSealed, updatedAt: now });
    await tx.flush();
    return Outcome.UPDATED;
  },
};
