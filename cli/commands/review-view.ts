// Reviews as people and scripts read them; the same view backs JSON, YAML and the tables.
import { durationMs, timestampDate, type Timestamp } from "@bufbuild/protobuf/wkt";
import { type Review, ReviewState } from "../../gen/palisade/admin/v1/review_service_pb.js";
import { shortTime, type Columns } from "../output.js";

/** One review in output form. */
export interface ReviewView {
  id: string;
  state: string;
  policy: string;
  connection: string;
  model: string;
  requester: { subject: string; issuer: string; email?: string; groups: string[] };
  approvers: string[];
  session: string;
  agent: string;
  agentInstance?: string;
  contentHash: string;
  prompt: string;
  createTime?: string;
  holdUntil?: string;
  expireTime?: string;
  grantSeconds: number;
  decidedBy?: string;
  decideTime?: string;
  reason?: string;
  grantExpireTime?: string;
}

/** The lower-case name of a state ("pending"...). */
export function stateLabel(state: ReviewState): string {
  return (ReviewState[state] ?? "UNSPECIFIED").toLowerCase();
}

const iso = (timestamp: Timestamp | undefined) => (timestamp ? timestampDate(timestamp).toISOString() : undefined);
const short = (text: string | undefined) => shortTime(text === undefined ? undefined : new Date(text));

/** The view of a review. */
export function reviewView(review: Review): ReviewView {
  const requester = review.requester;
  return {
    id: review.id,
    state: stateLabel(review.state),
    policy: review.policy,
    connection: review.connection,
    model: review.model,
    requester: {
      subject: requester?.subject ?? "",
      issuer: requester?.issuer ?? "",
      ...(requester?.email ? { email: requester.email } : {}),
      groups: [...(requester?.groups ?? [])],
    },
    approvers: [...review.approvers],
    session: review.session,
    agent: review.agent,
    ...(review.agentInstance ? { agentInstance: review.agentInstance } : {}),
    contentHash: review.contentHash,
    prompt: review.prompt,
    createTime: iso(review.createTime),
    holdUntil: iso(review.holdUntil),
    expireTime: iso(review.expireTime),
    grantSeconds: review.grant ? Math.round(durationMs(review.grant) / 1000) : 0,
    ...(review.decidedBy ? { decidedBy: review.decidedBy } : {}),
    ...(review.decideTime ? { decideTime: iso(review.decideTime) } : {}),
    ...(review.reason ? { reason: review.reason } : {}),
    ...(review.grantExpireTime ? { grantExpireTime: iso(review.grantExpireTime) } : {}),
  };
}

/** Columns of `review list`. */
export const REVIEW_COLUMNS: Columns<ReviewView> = [
  ["id", (r) => r.id],
  ["state", (r) => r.state],
  ["created", (r) => short(r.createTime)],
  ["requester", (r) => r.requester.email ?? r.requester.subject],
  ["policy", (r) => r.policy],
  ["connection", (r) => r.connection],
  ["decided by", (r) => r.decidedBy ?? ""],
  ["prompt", (r) => (r.prompt.length > 60 ? `${r.prompt.slice(0, 59)}…` : r.prompt)],
];

/** `review show` for people: the fields, then the prompt as the agent sent it (masked). */
export function renderReviewText(view: ReviewView): string {
  const lines: Array<[string, string | undefined]> = [
    ["Review", view.id],
    ["State", view.state],
    ["Requester", `${view.requester.subject}${view.requester.email ? ` <${view.requester.email}>` : ""} (${view.requester.issuer})`],
    ["Groups", view.requester.groups.join(", ")],
    ["Policy", view.policy],
    ["Approvers", view.approvers.length > 0 ? view.approvers.join(", ") : "admins only"],
    ["Connection", view.connection],
    ["Model", view.model],
    ["Session", view.session],
    ["Agent", view.agentInstance ? `${view.agent} (instance ${view.agentInstance})` : view.agent],
    ["Created", short(view.createTime)],
    ["Held until", short(view.holdUntil)],
    ["Expires", view.state === "pending" ? short(view.expireTime) : undefined],
    ["Decided by", view.decidedBy],
    ["Decided", short(view.decideTime)],
    ["Reason", view.reason],
    ["Grant until", short(view.grantExpireTime)],
  ];
  const shown = lines.filter(([, value]) => value);
  const width = Math.max(...shown.map(([label]) => label.length));
  return `${shown.map(([label, value]) => `${`${label}:`.padEnd(width + 2)}${value}`).join("\n")}\n\nPrompt (as masked by the agent):\n${view.prompt}\n`;
}
