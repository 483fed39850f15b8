// One session: who called, what the agent decided and why, what the detectors found, the review
// trail, and (for roles that read contents) the prompt and the response, with a replay of a
// streamed answer at its recorded pace.
import { Code, ConnectError } from "@connectrpc/connect";
import { RecordedBodies, type Exchange } from "../../../gen/palisade/agent/v1/exchange_pb.js";
import { api } from "../api.js";
import { useCaller } from "../caller.js";
import { count, millis, reviewStateName, span, verdictName, when } from "../format.js";
import { ErrorLine, Fact, Loading, useLoad, useTitle } from "../parts/common.js";
import { Replay } from "../parts/replay.js";
import { Link } from "../router.js";

const WITHHELD_HEADER = "palisade-contents-withheld";

export function SessionPage({ id }: { id: string }) {
  useTitle(`Session ${id.slice(0, 8)}`);
  const { readsReviews } = useCaller();
  const loaded = useLoad(async () => {
    let withheld = false;
    const { session } = await api.sessions.getSession({ id }, { onHeader: (headers) => { withheld = headers.get(WITHHELD_HEADER) === "true"; } });
    return { session, withheld };
  }, [id]);
  const x = loaded.value?.session?.exchange;
  const withheld = loaded.value?.withheld ?? false;

  return (
    <>
      <p className="crumbs"><Link to="/sessions">Sessions</Link> / {id}</p>
      <h1>Session <span className="mono">{id.slice(0, 8)}</span></h1>
      <ErrorLine error={loaded.error} />
      <Loading when={loaded.loading && !x} />
      {x && (
        <>
          <div className="columns">
            <section aria-labelledby="identity-heading">
              <h2 id="identity-heading">Identity</h2>
              <dl className="facts">
                <Fact label="Subject">{x.identity?.subject || "unauthenticated"}</Fact>
                {x.identity?.email && <Fact label="Email">{x.identity.email}</Fact>}
                <Fact label="Groups">{x.identity?.groups.join(", ") || "—"}</Fact>
                <Fact label="Issuer">{x.identity?.issuer || "—"}</Fact>
                <Fact label="Agent">{x.agent}{x.agentInstance ? ` (${x.agentInstance})` : ""}</Fact>
              </dl>
            </section>
            <section aria-labelledby="decision-heading">
              <h2 id="decision-heading">Decision</h2>
              <dl className="facts">
                <Fact label="Verdict"><span className={`verdict ${verdictName(x.verdict)}`} data-testid="verdict">{verdictName(x.verdict)}</span></Fact>
                <Fact label="Policy">{x.policy || "—"}</Fact>
                {x.reason && <Fact label="Reason">{x.reason}</Fact>}
                <Fact label="Request">{x.method} /{x.connection}{x.path}{x.model ? ` · ${x.model}` : ""}{x.stream ? " · streamed" : ""}</Fact>
                <Fact label="Status">{x.status || "—"}{x.error ? ` · ${x.error}` : ""}</Fact>
                <Fact label="Tokens">{x.usage ? `${count(x.usage.promptTokens)} in · ${count(x.usage.completionTokens)} out · ${count(x.usage.totalTokens)} total${x.usage.estimated ? " (estimated: the provider never reported them)" : ""}` : "—"}</Fact>
                <Fact label="Started">{when(x.startedAt)}</Fact>
                <Fact label="Timing">{x.timeToFirstByte ? `first byte ${span(millis(x.timeToFirstByte))} · ` : ""}{x.duration ? `total ${span(millis(x.duration))}` : "—"}</Fact>
              </dl>
            </section>
          </div>
          <Findings x={x} />
          {x.reviewId && <ReviewTrail id={x.reviewId} readsReviews={readsReviews} />}
          <Bodies x={x} withheld={withheld} />
        </>
      )}
    </>
  );
}

function Findings({ x }: { x: Exchange }) {
  if (x.findings.length === 0 && x.maskPolicies.length === 0) return null;
  return (
    <section aria-labelledby="findings-heading">
      <h2 id="findings-heading">Masking</h2>
      {x.maskPolicies.length > 0 && <p>Mask policies: {x.maskPolicies.join(", ")}</p>}
      {x.findings.length > 0 && (
        <table className="list compact">
          <thead><tr><th scope="col">Detector</th><th scope="col">Where</th><th scope="col" className="num">Count</th></tr></thead>
          <tbody>{x.findings.map((f) => <tr key={`${f.detector} ${f.location}`}><td>{f.detector}</td><td>{f.location}</td><td className="num">{f.count}</td></tr>)}</tbody>
        </table>
      )}
    </section>
  );
}

function ReviewTrail({ id, readsReviews }: { id: string; readsReviews: boolean }) {
  const loaded = useLoad(async () => {
    if (!readsReviews) return undefined;
    try {
      return (await api.reviews.getReview({ id })).review;
    } catch (error) {
      if (ConnectError.from(error).code === Code.NotFound) return undefined;
      throw error;
    }
  }, [id, readsReviews]);
  const review = loaded.value;
  return (
    <section aria-labelledby="trail-heading">
      <h2 id="trail-heading">Review</h2>
      <ErrorLine error={loaded.error} />
      {!readsReviews && <p className="muted">Review {id} (your role does not read reviews).</p>}
      {review && (
        <p data-testid="review-trail">
          <Link to={`/reviews/${encodeURIComponent(id)}`}>{id.slice(0, 8)}</Link>: {reviewStateName(review.state)}
          {review.decidedBy ? ` by ${review.decidedBy} at ${when(review.decideTime)}` : ""}
          {review.reason ? ` — “${review.reason}”` : ""} (policy {review.policy}, requested {when(review.createTime)})
        </p>
      )}
    </section>
  );
}

function Bodies({ x, withheld }: { x: Exchange; withheld: boolean }) {
  const { readsContents } = useCaller();
  if (withheld || !readsContents) {
    return (
      <section aria-labelledby="contents-heading">
        <h2 id="contents-heading">Prompt and response</h2>
        <p className="notice" data-testid="contents-withheld">Your role does not read prompt and response contents (admins and auditors do).</p>
      </section>
    );
  }
  const recorded = x.recordedBodies === RecordedBodies.NONE ? "not recorded (the connection keeps no bodies)" : x.recordedBodies === RecordedBodies.RAW ? "recorded as sent" : "recorded masked";
  return (
    <section aria-labelledby="contents-heading">
      <h2 id="contents-heading">Prompt and response <span className="muted small">({recorded})</span></h2>
      <h3>Request</h3>
      <pre className="body" data-testid="request-body">{x.requestBody || "(empty)"}{x.requestTruncated ? "\n… (cut at the record limit)" : ""}</pre>
      <h3>Response</h3>
      <pre className="body" data-testid="response-body">{x.responseBody || "(empty)"}{x.responseTruncated ? "\n… (cut at the record limit)" : ""}</pre>
      {x.responseChunks.length > 0 && <Replay x={x} />}
    </section>
  );
}
