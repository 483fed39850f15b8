// Every migration, in order. Listed here (not discovered from files) so they run the same under
// tsx, vitest and a bundled build.
import type { MigrationObject } from "@mikro-orm/core";
import { Migration0001Initial } from "./migration-0001-initial.js";
import { Migration0002Policies } from "./migration-0002-policies.js";
import { Migration0003Revocations } from "./migration-0003-revocations.js";
import { Migration0004RoleBindings } from "./migration-0004-role-bindings.js";
import { Migration0005Encryption } from "./migration-0005-encryption.js";
import { Migration0006PolicyProtection } from "./migration-0006-policy-protection.js";
import { Migration0007Reviews } from "./migration-0007-reviews.js";
import { Migration0008AuditLog } from "./migration-0008-audit-log.js";
import { Migration0012ConnectionRetention } from "./migration-0012-connection-retention.js";
import { Migration0009SessionSearch } from "./migration-0009-session-search.js";
import { Migration0010AuditSinks } from "./migration-0010-audit-sinks.js";
import { Migration0011AlertsBlocks } from "./migration-0011-alerts-blocks.js";
import { Migration0013AgentInstances } from "./migration-0013-agent-instances.js";
import { Migration0014ReviewInstance } from "./migration-0014-review-instance.js";
import { Migration0015AuditKeyRotation } from "./migration-0015-audit-key-rotation.js";
import { Migration0016LimitScope } from "./migration-0016-limit-scope.js";
import { Migration0017Console } from "./migration-0017-console.js";
import { Migration0018Budgets } from "./migration-0018-budgets.js";
import { Migration0019PolicyBinary } from "./migration-0019-policy-binary.js";
import { Migration0020CachedTokens } from "./migration-0020-cached-tokens.js";
import { Migration0021SearchIndexTable } from "./migration-0021-search-index-table.js";
import { Migration0022SessionsEntries } from "./migration-0022-sessions-entries.js";
import { Migration0023IngestIndexTrim } from "./migration-0023-ingest-index-trim.js";
import { Migration0024KeywordMatch } from "./migration-0024-keyword-match.js";
import { Migration0025SearchDecodedText } from "./migration-0025-search-decoded-text.js";
import { Migration0026ResponseWrites } from "./migration-0026-response-writes.js";
import { Migration0027Lz4Bodies } from "./migration-0027-lz4-bodies.js";
import { Migration0028SearchIndexRound } from "./migration-0028-search-index-round.js";
import { Migration0030UsageEstimated } from "./migration-0030-usage-estimated.js";
import { Migration0029DropSearchIndexRound } from "./migration-0029-drop-search-index-round.js";

/** The migrations the control plane runs at open, oldest first. */
export const migrations: MigrationObject[] = [
  { name: "0001-initial", class: Migration0001Initial },
  { name: "0002-policies", class: Migration0002Policies },
  { name: "0003-revocations", class: Migration0003Revocations },
  { name: "0004-role-bindings", class: Migration0004RoleBindings },
  { name: "0005-encryption", class: Migration0005Encryption },
  { name: "0006-policy-protection", class: Migration0006PolicyProtection },
  { name: "0007-reviews", class: Migration0007Reviews },
  { name: "0008-audit-log", class: Migration0008AuditLog },
  { name: "0009-session-search", class: Migration0009SessionSearch },
  { name: "0010-audit-sinks", class: Migration0010AuditSinks },
  { name: "0011-alerts-blocks", class: Migration0011AlertsBlocks },
  { name: "0012-connection-retention", class: Migration0012ConnectionRetention },
  { name: "0013-agent-instances", class: Migration0013AgentInstances },
  { name: "0014-review-instance", class: Migration0014ReviewInstance },
  { name: "0015-audit-key-rotation", class: Migration0015AuditKeyRotation },
  { name: "0016-limit-scope", class: Migration0016LimitScope },
  { name: "0017-console", class: Migration0017Console },
  { name: "0018-budgets", class: Migration0018Budgets },
  { name: "0019-policy-binary", class: Migration0019PolicyBinary },
  { name: "0020-cached-tokens", class: Migration0020CachedTokens },
  { name: "0021-search-index-table", class: Migration0021SearchIndexTable },
  { name: "0022-sessions-entries", class: Migration0022SessionsEntries },
  { name: "0023-ingest-index-trim", class: Migration0023IngestIndexTrim },
  { name: "0024-keyword-match", class: Migration0024KeywordMatch },
  { name: "0025-search-decoded-text", class: Migration0025SearchDecodedText },
  { name: "0026-response-writes", class: Migration0026ResponseWrites },
  { name: "0027-lz4-bodies", class: Migration0027Lz4Bodies },
  { name: "0028-search-index-round", class: Migration0028SearchIndexRound },
  { name: "0029-drop-search-index-round", class: Migration0029DropSearchIndexRound },
  { name: "0030-usage-estimated", class: Migration0030UsageEstimated },
];
