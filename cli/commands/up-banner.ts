// What `palisade up` prints once both servers listen: where things are and what to try next.
import type { AdminTokenSource } from "../admin-token.js";
import { DEFAULT_DATA_DIR, DEFAULT_SERVER } from "../settings.js";
import { type PolicyState, STARTER_POLICY } from "./starter-policy.js";

/** Everything the banner shows. */
export interface BannerFacts {
  controlPlaneUrl: string;
  agentUrl: string;
  /** The one-time sign-in link into the web console. */
  consoleUrl: string;
  database: string;
  dataDir: string;
  adminToken: string;
  adminTokenSource: AdminTokenSource;
  /** The CA file other commands need for an https:// control plane, when one was given. */
  caFile?: string;
  connections: { name: string; upstream: string }[];
  policies: PolicyState;
}

const TOKEN_NOTES: Record<AdminTokenSource, (dataDir: string) => string> = {
  environment: () => "from PALISADE_ADMIN_TOKEN; other commands take it as --token or PALISADE_TOKEN",
  file: (dir) => `from ${dir}/admin-token, which other commands read by default`,
  generated: (dir) => `new, saved in ${dir}/admin-token, which other commands read by default`,
};

// Agents deny what no policy allows: say which policy lets the quickstart's requests through.
function policyLines(policies: PolicyState): string[] {
  if (!policies.starterApplied) {
    return [`  Policies        ${policies.count} (npx palisade get policies); requests no policy allows get 403`];
  }
  return [
    `  Policies        ${STARTER_POLICY} (created now): every authenticated caller may use every connection;`,
    "                  replace it with your own policies (docs/policies.md)",
  ];
}

/** The human-readable banner (stdout). */
export function renderBanner(facts: BannerFacts): string {
  const flags = [
    facts.controlPlaneUrl === DEFAULT_SERVER ? "" : ` --server ${facts.controlPlaneUrl}`,
    facts.dataDir === DEFAULT_DATA_DIR || facts.adminTokenSource === "environment"
      ? ""
      : ` --data-dir ${facts.dataDir}`,
    facts.caFile === undefined ? "" : ` --ca-file ${facts.caFile}`,
  ].join("");
  const connectionLines = facts.connections.map(
    (c) => `                  ${facts.agentUrl}/${c.name}/v1   (connection ${c.name} -> ${c.upstream})`,
  );
  return [
    "Palisade is up.",
    "",
    `  Control plane   ${facts.controlPlaneUrl}   (${facts.database})`,
    `  Web console     ${facts.consoleUrl}`,
    `                  (signs in once within 15 minutes; \`npx palisade console${flags}\` prints a new link)`,
    `  Agent           ${facts.agentUrl}   (agent "local")`,
    `  SDK base URL    ${facts.agentUrl}/<connection>/v1`,
    ...connectionLines,
    ...policyLines(facts.policies),
    `  Admin token     ${facts.adminToken}`,
    `                  (${TOKEN_NOTES[facts.adminTokenSource](facts.dataDir)})`,
    "",
    "Try next:",
    `  npx palisade token create${flags} --subject you@example.com`,
    `  npx palisade audit list${flags}`,
    ...(facts.connections.length === 0 ? [`  npx palisade apply${flags} -f examples/quickstart.yaml`] : []),
    "",
    "Ctrl-C stops both.",
    "",
  ].join("\n");
}
