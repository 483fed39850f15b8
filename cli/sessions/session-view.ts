// Recorded sessions as people and scripts read them: who, what was asked, what came back, usage
// and timings. The same view backs JSON, YAML and the tables.
import { timestampDate, type Duration } from "@bufbuild/protobuf/wkt";
import type { Session } from "../../gen/palisade/admin/v1/session_service_pb.js";
import { RecordedBodies, Verdict } from "../../gen/palisade/agent/v1/exchange_pb.js";
import { shortTime, type Columns } from "../output.js";
import { reviewText, type ReviewTrail } from "./review-trail.js";

/** One session in output form. */
export interface SessionView {
  id: string;
  connection: string;
  agent: string;
  /** The agent instance (process) that handled it, when recorded. */
  agentInstance?: string;
  identity: { subject: string; email?: string; groups: string[]; issuer: string } | null;
  request: { method: string; path: string; model?: string; stream: boolean; body?: string; truncated?: boolean };
  response: {
    status: number; verdict: string; policy?: string; reason?: string; error?: string; body?: string; truncated?: boolean;
    /** Streamed: how many writes to the caller were recorded (for replay). */
    writes?: number;
  };
  /** Masking and review: what the detectors found (counts, never values), which policies, which review. */
  masking?: { policies: string[]; findings: { detector: string; location: string; count: number }[] };
  reviewId?: string;
  /** The review's trail (`audit show` only). */
  review?: ReviewTrail;
  /** What the record keeps of the bodies. */
  recorded?: string;
  /** `estimated`: the agent's estimate, the provider never reported the usage whole (docs/budgets.md). */
  usage: { promptTokens: number; completionTokens: number; totalTokens: number; estimated?: true } | null;
  timings: { startedAt?: string; timeToFirstByteMs?: number; durationMs?: number; committedAt?: string };
}

/** The view of a session; bodies only when asked (lists leave them out). */
export function sessionView(session: Session, withBodies: boolean): SessionView {
  const x = session.exchange;
  const identity = x?.identity;
  const usage = x?.usage;
  return {
    id: x?.id ?? "",
    connection: x?.connection ?? "",
    agent: x?.agent ?? "",
    ...(x?.agentInstance ? { agentInstance: x.agentInstance } : {}),
    identity: identity
      ? {
          subject: identity.subject,
          ...(identity.email ? { email: identity.email } : {}),
          groups: [...identity.groups],
          issuer: identity.issuer,
        }
      : null,
    request: {
      method: x?.method ?? "",
      path: x?.path ?? "",
      ...(x?.model ? { model: x.model } : {}),
      stream: x?.stream ?? false,
      ...(withBodies ? { body: x?.requestBody ?? "", truncated: x?.requestTruncated ?? false } : {}),
    },
    response: {
      status: x?.status ?? 0,
      verdict: verdictName(x?.verdict ?? Verdict.UNSPECIFIED),
      ...(x?.policy ? { policy: x.policy } : {}),
      ...(x?.reason ? { reason: x.reason } : {}),
      ...(x?.error ? { error: x.error } : {}),
      ...(withBodies ? { body: x?.responseBody ?? "", truncated: x?.responseTruncated ?? false } : {}),
      ...(withBodies && x?.responseChunks.length ? { writes: x.responseChunks.length } : {}),
    },
    ...(x && (x.maskPolicies.length || x.findings.length)
      ? {
          masking: {
            policies: [...x.maskPolicies],
            findings: x.findings.map((f) => ({ detector: f.detector, location: f.location, count: f.count })),
          },
        }
      : {}),
    ...(x?.reviewId ? { reviewId: x.reviewId } : {}),
    ...(x?.recordedBodies ? { recorded: RecordedBodies[x.recordedBodies]!.toLowerCase() } : {}),
    usage: usage
      ? {
          promptTokens: Number(usage.promptTokens),
          completionTokens: Number(usage.completionTokens),
          totalTokens: Number(usage.totalTokens),
          ...(usage.estimated ? { estimated: true as const } : {}),
        }
      : null,
    timings: {
      ...(x?.startedAt ? { startedAt: timestampDate(x.startedAt).toISOString() } : {}),
      ...(x?.timeToFirstByte ? { timeToFirstByteMs: millis(x.timeToFirstByte) } : {}),
      ...(x?.duration ? { durationMs: millis(x.duration) } : {}),
      ...(session.commitTime ? { committedAt: timestampDate(session.commitTime).toISOString() } : {}),
    },
  };
}

/** Columns of `audit list`. */
export const SESSION_COLUMNS: Columns<SessionView> = [
  ["time", (s) => (s.timings.startedAt ? shortTime(new Date(s.timings.startedAt)) : "")],
  ["session", (s) => s.id],
  ["subject", (s) => s.identity?.subject ?? "-"],
  ["connection", (s) => s.connection],
  ["request", (s) => `${s.request.method} ${s.request.path}`],
  ["model", (s) => s.request.model ?? ""],
  ["status", (s) => String(s.response.status)],
  ["verdict", (s) => s.response.verdict],
  ["tokens", (s) => (s.usage ? `${s.usage.estimated ? "~" : ""}${s.usage.totalTokens}` : "")],
];

/** The human layout of `audit show`: a summary, then both bodies. */
export function renderSessionText(s: SessionView): string {
  const who = s.identity
    ? [
        s.identity.subject,
        s.identity.email ? `<${s.identity.email}>` : "",
        s.identity.groups.length ? `groups ${s.identity.groups.join(",")}` : "",
        `issuer ${s.identity.issuer}`,
      ]
    : ["unidentified"];
  const rows: [string, string][] = [
    ["Session", s.id],
    ["Identity", who.filter(Boolean).join("  ")],
    ["Connection", [s.connection, s.agent ? `via agent ${s.agent}${s.agentInstance ? ` (instance ${s.agentInstance})` : ""}` : ""].filter(Boolean).join("  ")],
    [
      "Request",
      [
        s.request.method,
        s.request.path,
        s.request.model ? `model ${s.request.model}` : "",
        s.request.stream ? "streamed" : "",
      ]
        .filter(Boolean)
        .join("  "),
    ],
    [
      "Response",
      [String(s.response.status), s.response.verdict, s.response.reason ?? "", s.response.error ?? ""]
        .filter(Boolean)
        .join("  "),
    ],
    ["Policy", s.response.policy ?? "none"],
    ...(s.masking ? [["Masking", maskingText(s.masking)] as [string, string]] : []),
    ...(s.reviewId ? [["Review", s.review ? reviewText(s.review) : s.reviewId] as [string, string]] : []),
    ...(s.recorded ? [["Recorded", `bodies ${s.recorded}`] as [string, string]] : []),
    [
      "Usage",
      s.usage
        ? `${s.usage.promptTokens} prompt + ${s.usage.completionTokens} completion = ${s.usage.totalTokens} tokens${s.usage.estimated ? " (estimated by the agent: the provider never reported them)" : ""}`
        : "not reported",
    ],
    ["Timings", timingsText(s)],
  ];
  const summary = rows.map(([label, value]) => `${label.padEnd(11)} ${value}`).join("\n");
  const notRecorded = s.recorded === "none";
  const body = (label: string, text: string | undefined, truncated: boolean | undefined) =>
    `\n${label}${truncated ? " (truncated)" : ""}:\n${notRecorded ? "(not recorded: record none)" : text === undefined || text === "" ? "(empty)" : text}\n`;
  const request = body("Request body", s.request.body, s.request.truncated);
  return `${summary}\n${request}${body("Response body", s.response.body, s.response.truncated)}`;
}

function maskingText(masking: NonNullable<SessionView["masking"]>): string {
  const found = masking.findings.map((f) => `${f.count} ${f.detector} at ${f.location}`);
  const policies = masking.policies.length ? `policies ${masking.policies.join(", ")}` : "";
  return [policies, ...found].filter(Boolean).join("; ") || "none";
}

function timingsText(s: SessionView): string {
  const t = s.timings;
  return [
    t.startedAt ? `started ${t.startedAt}` : "",
    t.timeToFirstByteMs !== undefined ? `first byte ${t.timeToFirstByteMs} ms` : "",
    t.durationMs !== undefined ? `total ${t.durationMs} ms` : "",
    s.response.writes ? `${s.response.writes} streamed write${s.response.writes === 1 ? "" : "s"}` : "",
  ]
    .filter(Boolean)
    .join(", ");
}

function verdictName(verdict: Verdict): string {
  return Verdict[verdict]?.toLowerCase() ?? "unspecified";
}

function millis(d: Duration): number {
  return Math.round(Number(d.seconds) * 1000 + d.nanos / 1e6);
}
