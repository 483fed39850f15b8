// Holds the snapshot in force. Applying compiles first and swaps one reference, so a request that
// read the old snapshot finishes on it, and a snapshot that fails to compile changes nothing.
import type { Snapshot } from "../../gen/palisade/agent/v1/snapshot_pb.js";
import { createKeySetCache, type KeySetOptions } from "../../core/identity/key-sets.js";
import { createVerifiedTokenCache } from "../../core/identity/verified-token-cache.js";
import type { CompileOptions } from "../policy/compile-policies.js";
import { compileSnapshot, type CompiledSnapshot } from "./compile-snapshot.js";

/** The answer to send back: ACK (no error) or NACK; `version` is what the agent now runs. */
export interface ApplyResult {
  version: string;
  error: string;
}

/** The agent's current configuration. */
export interface SnapshotStore {
  current(): CompiledSnapshot | undefined;
  /** Compiles and swaps in `snapshot`, or keeps the last good one and says why. */
  apply(snapshot: Snapshot): ApplyResult;
  /** Drops the configuration (credentials included): requests get 503 until a snapshot applies. */
  clear(): void;
}

/** Creates an empty store (requests are refused with 503 until the first snapshot applies). */
export function createSnapshotStore(keySetOptions: KeySetOptions = {}, compileOptions: CompileOptions = {}): SnapshotStore {
  const keySets = createKeySetCache(keySetOptions);
  // Kept across snapshots: an entry checks itself against the issuer's current configuration and keys.
  const tokens = createVerifiedTokenCache();
  let current: CompiledSnapshot | undefined;
  return {
    current: () => current,
    apply(snapshot) {
      try {
        current = compileSnapshot(snapshot, keySets, current, tokens, compileOptions);
        keySets.retainOnly(snapshot.issuers);
        return { version: current.version, error: "" };
      } catch (error) {
        return { version: current?.version ?? "", error: error instanceof Error ? error.message : String(error) };
      }
    },
    clear() {
      current = undefined;
      keySets.retainOnly([]);
    },
  };
}
