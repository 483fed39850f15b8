// The request-side evasion suites' set-up: one real agent (fake control plane) in front of a
// lenient stand-in provider, with `openai`, `claude` and a generic connection `plain`, a mask
// policy on requests (email, phone, payment card, US SSN, secrets; US national numbers by
// default) and a deny policy on the keyword "project nightingale", neither letting binary parts
// pass (except on audio uploads). send() puts one request through
// it as raw bytes and tells what the agent answered and what, if anything, reached the provider.
import { create } from "@bufbuild/protobuf";
import { request } from "undici";
import { ConnectionSchema, PolicyAction, PolicySchema, Provider, SnapshotSchema } from "../../gen/palisade/agent/v1/snapshot_pb.js";
import { startTestBed, testSnapshot, type TestBed } from "../agent/test-bed.js";
import { eventually } from "../support/eventually.js";
import type { ReceivedRequest } from "../support/stand-in-provider.js";
import { clientViews } from "./client-view.js";
import { headerAsUtf8, lenientViews } from "./lenient-views.js";
import type { Connection } from "./request-values.js";

export interface Sent {
  status: number;
  /** The agent's answer, parsed as JSON (undefined when it is not JSON). */
  answer: unknown;
  /** What the provider received, when the request was forwarded. */
  received?: ReceivedRequest;
}

export interface RequestBed {
  bed: TestBed;
  send(connection: Connection, path: string, options: { method?: string; headers?: Record<string, string>; body?: Buffer | string }): Promise<Sent>;
  close(): Promise<void>;
}

/** Starts the bed and waits until its policies are in force. */
export async function startRequestBed(): Promise<RequestBed> {
  const bed = await startTestBed();
  const base = testSnapshot(bed.provider.url, bed.issuer.jwk, "200");
  const snapshot = create(SnapshotSchema, {
    ...base,
    connections: [...base.connections, create(ConnectionSchema, { name: "plain", provider: Provider.GENERIC, upstream: bed.provider.url, credential: { header: "authorization", value: "Bearer generic-secret" } })],
    // Audio uploads (`/v1/audio/…`) go through twins of the two policies that let binary parts pass.
    policies: [false, true].flatMap((audio) => [
      {
        name: audio ? "deny-keyword-audio" : "deny-keyword", priority: 100, connections: ["*"], action: PolicyAction.DENY, keywords: ["project nightingale"], reason: "topic not allowed",
        when: `${audio ? "" : "!"}request.path.startsWith("/v1/audio/")`, allowBinary: audio,
      },
      {
        name: audio ? "mask-pii-audio" : "mask-pii", priority: 90, connections: ["*"], action: PolicyAction.MASK, direction: 1 /* REQUEST */,
        detectors: ["email", "phone", "payment-card", "us-ssn", "secrets"], when: `${audio ? "" : "!"}request.path.startsWith("/v1/audio/")`, allowBinary: audio,
      },
    ]).concat([{ name: "allow-all", priority: -1000, connections: ["*"], action: PolicyAction.ALLOW } as never]).map((policy) => create(PolicySchema, policy)),
  });
  const acks = bed.controlPlane.acks.length;
  bed.controlPlane.push(snapshot);
  const ack = await eventually("the evasion snapshot's answer", () => bed.controlPlane.acks.slice(acks).find((entry) => entry.version === "200" || entry.error !== ""));
  if (ack.error) throw new Error(`snapshot NACKed: ${ack.error}`);
  const token = await bed.issuer.token("evader");

  return {
    bed,
    async send(connection, path, options) {
      const before = bed.provider.requests.length;
      const response = await request(`${bed.agent.url}/${connection}${path}`, {
        method: (options.method ?? (options.body === undefined ? "GET" : "POST")) as "GET",
        headers: { ...options.headers, authorization: `Bearer ${token}` },
        body: options.body,
        // A connection per case: a kept-alive one the agent closes after its 5-s idle timeout can
        // be reused by a client whose loop ran late on a saturated machine (ECONNRESET in ~ms).
        reset: true,
      });
      const text = await response.body.text();
      let answer: unknown;
      try {
        answer = JSON.parse(text);
      } catch {
        answer = undefined;
      }
      const received = bed.provider.requests.length > before ? bed.provider.requests.at(-1) : undefined;
      return { status: response.statusCode, answer, received };
    },
    close: () => bed.close(),
  };
}

/** Everything a lenient upstream could read of a request: path and query decoded, headers, and the body's views. */
export function providerViews(received: ReceivedRequest): string[] {
  const views = [received.path, received.body];
  try {
    views.push(decodeURIComponent(received.path));
  } catch {
    // a path that is no valid escape sequence is read as written
  }
  const query = received.path.split("?")[1];
  if (query !== undefined) views.push(...[...new URLSearchParams(query)].flat());
  const headers = Object.fromEntries(Object.entries(received.headers).filter(([name]) => name !== "authorization")) as Record<string, string | string[] | undefined>;
  for (const view of clientViews(headers, received.raw)) views.push(view);
  // Header values as UTF-8 (Node reads their bytes as Latin-1).
  for (const value of Object.values(headers)) for (const text of [value ?? ""].flat()) views.push(headerAsUtf8(text));
  // Form bodies as a form parser reads them.
  views.push(...[...new URLSearchParams(received.body)].flat());
  // And what a lenient reader decodes in any of these (each distinct view once; the long-prompt
  // cases, hundreds of KB, carry plain values and are read as they are).
  return [...new Set(views)].flatMap((view) => (view.length > 200_000 ? [view] : lenientViews(view)));
}

/** Whether `answer` is a refusal in the connection's provider format. */
export function inProviderFormat(connection: Connection, answer: unknown): boolean {
  const body = answer as { type?: string; error?: { type?: string; message?: string } } | undefined;
  if (connection === "claude") return body?.type === "error" && typeof body.error?.message === "string" && typeof body.error.type === "string";
  return typeof body?.error?.message === "string" && typeof body.error.type === "string";
}
