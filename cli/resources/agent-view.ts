// Agents and their instances as `get agents`, `agent list` and `agent show` print them.
import { timestampDate, type Timestamp } from "@bufbuild/protobuf/wkt";
import type { Agent, AgentInstance } from "../../gen/palisade/admin/v1/agent_admin_service_pb.js";
import { renderTable, shortTime, type Columns } from "../output.js";
import type { ResourceView } from "./view.js";

function iso(t: Timestamp | undefined): Record<string, string> | undefined {
  return t && { at: timestampDate(t).toISOString() };
}

function instanceView(i: AgentInstance): Record<string, unknown> {
  return {
    instance: i.instance,
    connected: i.connected,
    version: i.version,
    appliedVersion: i.appliedVersion,
    ...(i.lastError !== "" ? { lastError: i.lastError } : {}),
    ...(i.connectTime ? { connectTime: iso(i.connectTime)!.at } : {}),
    ...(i.lastSeenTime ? { lastSeenTime: iso(i.lastSeenTime)!.at } : {}),
  };
}

/** An agent in the resource style (agents are enrolled with `agent create`, not applied). */
export function agentView(a: Agent): ResourceView {
  return {
    kind: "Agent",
    name: a.name,
    segment: a.segment,
    connected: a.connected,
    connectedInstances: a.connectedInstances,
    version: a.version,
    appliedVersion: a.appliedVersion,
    ...(a.lastError !== "" ? { lastError: a.lastError } : {}),
    ...(a.lastSeenTime ? { lastSeenTime: iso(a.lastSeenTime)!.at } : {}),
    ...(a.createTime ? { createTime: iso(a.createTime)!.at } : {}),
    instances: a.instances.map(instanceView),
  };
}

const text = (key: string) => (r: Record<string, unknown>) => (r[key] === undefined ? "" : String(r[key]));
const when = (key: string) => (r: Record<string, unknown>) => (typeof r[key] === "string" ? shortTime(new Date(r[key])) : "");

/** Columns of an agent list: the instance count reads "connected/known". */
export const AGENT_COLUMNS: Columns<ResourceView> = [
  ["name", (r) => r.name],
  ["segment", text("segment")],
  ["connected", text("connected")],
  ["instances", (r) => `${String(r.connectedInstances ?? 0)}/${Array.isArray(r.instances) ? r.instances.length : 0}`],
  ["version", text("version")],
  ["applied", text("appliedVersion")],
  ["last seen", when("lastSeenTime")],
  ["error", text("lastError")],
];

const INSTANCE_COLUMNS: Columns<Record<string, unknown>> = [
  ["instance", (r) => (r.instance === "" ? "(unnamed)" : String(r.instance))],
  ["connected", text("connected")],
  ["version", text("version")],
  ["applied", text("appliedVersion")],
  ["connected at", when("connectTime")],
  ["last seen", when("lastSeenTime")],
  ["error", text("lastError")],
];

/** `agent show` for people: the agent's summary, then one row per instance. */
export function renderAgentText(view: ResourceView): string {
  const instances = (view.instances ?? []) as Record<string, unknown>[];
  const lines = [
    `Agent:      ${view.name}`,
    `Segment:    ${String(view.segment) || "(default)"}`,
    `Instances:  ${String(view.connectedInstances)} connected, ${instances.length} known (disconnected ones are forgotten 15 min after they were last heard from)`,
    `Applied:    ${String(view.appliedVersion) || "(none)"} (the slowest connected instance)`,
    ...(view.lastError ? [`Last error: ${String(view.lastError)}`] : []),
  ];
  return `${lines.join("\n")}\n${instances.length > 0 ? `\n${renderTable(instances, INSTANCE_COLUMNS)}` : ""}`;
}
