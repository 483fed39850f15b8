// One review: who asked, for what (the prompt as the agent masked it), the policy and its approver
// groups, time left, and approve or deny with a reason. A requester sees no decision form: the
// API refuses anyone their own review.
import { type FormEvent, useState } from "react";
import { ReviewState } from "../../../gen/palisade/admin/v1/review_service_pb.js";
import { api, errorText } from "../api.js";
import { isRequester, mayDecide, useCaller } from "../caller.js";
import { reviewStateName, span, millis, timeLeft, when } from "../format.js";
import { useNow } from "../parts/clock.js";
import { ErrorLine, Fact, Loading, useLoad, useTitle } from "../parts/common.js";
import { Link } from "../router.js";

export function ReviewPage({ id }: { id: string }) {
  useTitle(`Review ${id.slice(0, 8)}`);
  const signedIn = useCaller();
  const now = useNow();
  const loaded = useLoad(async () => (await api.reviews.getReview({ id })).review, [id], 3000);
  const review = loaded.value;
  const [reason, setReason] = useState("");
  const [busy, setBusy] = useState(false);
  const [outcome, setOutcome] = useState<{ ok: boolean; text: string }>();

  const decide = async (approve: boolean, event?: FormEvent) => {
    event?.preventDefault();
    if (!approve && reason.trim() === "") {
      setOutcome({ ok: false, text: "A denial needs a reason: the caller is shown it." });
      return;
    }
    setBusy(true);
    try {
      if (approve) await api.reviews.approveReview({ id, reason: reason.trim() });
      else await api.reviews.denyReview({ id, reason: reason.trim() });
      setOutcome({ ok: true, text: approve ? "Approved: the agent forwards the request." : "Denied: the caller is refused with your reason." });
      await loaded.reload();
    } catch (caught) {
      setOutcome({ ok: false, text: errorText(caught) });
    } finally {
      setBusy(false);
    }
  };

  return (
    <>
      <p className="crumbs"><Link to="/reviews">Reviews</Link> / {id}</p>
      <h1>Review <span className="mono">{id.slice(0, 8)}</span></h1>
      <ErrorLine error={loaded.error} />
      <Loading when={loaded.loading && !review} />
      {review && (
        <>
          <dl className="facts">
            <Fact label="State"><span className={`state ${reviewStateName(review.state)}`} data-testid="review-state">{reviewStateName(review.state)}</span></Fact>
            <Fact label="Requester">{review.requester?.subject || "—"}{review.requester?.groups.length ? <span className="muted"> ({review.requester.groups.join(", ")})</span> : null}</Fact>
            <Fact label="Policy">{review.policy}</Fact>
            <Fact label="Approver groups">{review.approvers.join(", ") || "admins only"}</Fact>
            <Fact label="Connection · model">{review.connection}{review.model ? ` · ${review.model}` : ""}</Fact>
            <Fact label="Requested">{when(review.createTime)}</Fact>
            {review.state === ReviewState.PENDING && <Fact label="Caller waits">{timeLeft(review.holdUntil, now)}</Fact>}
            {review.state === ReviewState.PENDING && <Fact label="Decide within">{timeLeft(review.expireTime, now)}</Fact>}
            {review.decidedBy && <Fact label="Decided by">{review.decidedBy} at {when(review.decideTime)}</Fact>}
            {review.reason && <Fact label="Reason">{review.reason}</Fact>}
            {review.grantExpireTime && <Fact label="Grant until">{when(review.grantExpireTime)} ({span(millis(review.grant))} window)</Fact>}
            <Fact label="Session"><Link to={`/sessions/${encodeURIComponent(review.session)}`}>{review.session}</Link></Fact>
            <Fact label="Agent">{review.agent}{review.agentInstance ? ` (${review.agentInstance})` : ""}</Fact>
          </dl>
          <h2>Prompt <span className="muted small">(as the agent masked it)</span></h2>
          <pre className="body" data-testid="review-prompt">{review.prompt || "(empty)"}</pre>
          {review.state === ReviewState.PENDING && isRequester(signedIn.caller, review.requester) && (
            <p className="notice" role="note">You sent this request: someone else must decide it.</p>
          )}
          {review.state === ReviewState.PENDING && !isRequester(signedIn.caller, review.requester) && !mayDecide(signedIn, review) && (
            <p className="notice" role="note">Your roles and groups do not let you decide this review.</p>
          )}
          {review.state === ReviewState.PENDING && mayDecide(signedIn, review) && (
            <form className="decide" onSubmit={(event) => void decide(true, event)}>
              <h2>Decide</h2>
              <label htmlFor="reason">Reason <span className="muted">(required to deny; shown to the caller)</span></label>
              <textarea id="reason" rows={3} value={reason} onChange={(event) => setReason(event.target.value)} maxLength={1000} />
              <div className="actions">
                <button type="submit" className="approve" disabled={busy}>Approve</button>
                <button type="button" className="deny" disabled={busy} onClick={() => void decide(false)}>Deny</button>
              </div>
            </form>
          )}
          {outcome && <p className={outcome.ok ? "ok" : "error"} role={outcome.ok ? "status" : "alert"}>{outcome.text}</p>}
        </>
      )}
    </>
  );
}
