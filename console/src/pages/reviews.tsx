// Reviews: the pending ones, live (polled every two seconds), with who asked, which policy, the
// masked prompt and the time left; below, the latest decided ones.
import { ReviewState, type Review } from "../../../gen/palisade/admin/v1/review_service_pb.js";
import { api } from "../api.js";
import { mayDecide, useCaller } from "../caller.js";
import { iso, reviewStateName, timeLeft, when } from "../format.js";
import { useNow } from "../parts/clock.js";
import { ErrorLine, Loading, useLoad, useTitle } from "../parts/common.js";
import { Link } from "../router.js";

const POLL_MS = 2000;

export function ReviewsPage() {
  useTitle("Reviews");
  const signedIn = useCaller();
  const now = useNow();
  const pending = useLoad(async () => (await api.reviews.listReviews({ state: ReviewState.PENDING, pageSize: 200 })).reviews, [], POLL_MS);
  const recent = useLoad(async () => (await api.reviews.listReviews({ pageSize: 50 })).reviews.filter((r) => r.state !== ReviewState.PENDING).slice(0, 20), [], 10_000);
  const waiting = pending.value ?? [];

  return (
    <>
      <h1>Reviews</h1>
      <p className="muted">Requests held by a <code>review</code> policy wait here for an approver. This list updates by itself.</p>
      <section aria-labelledby="pending-heading">
        <h2 id="pending-heading">Pending <span className="count" aria-live="polite" data-testid="pending-count">{pending.value ? waiting.length : ""}</span></h2>
        <ErrorLine error={pending.error} />
        <Loading when={pending.loading && !pending.value} />
        {pending.value && waiting.length === 0 && <p className="empty">Nothing waits for a decision.</p>}
        {waiting.length > 0 && (
          <table className="list">
            <thead>
              <tr><th scope="col">Requested</th><th scope="col">Requester</th><th scope="col">Policy</th><th scope="col">Connection · model</th><th scope="col">Prompt (masked)</th><th scope="col">Caller waits</th><th scope="col">Decide by</th></tr>
            </thead>
            <tbody>
              {waiting.map((review) => (
                <tr key={review.id} data-review={review.id}>
                  <td><Link to={`/reviews/${encodeURIComponent(review.id)}`}><time dateTime={iso(review.createTime)}>{when(review.createTime)}</time></Link></td>
                  <td>{review.requester?.subject || "—"}</td>
                  <td>{review.policy}</td>
                  <td>{review.connection}{review.model ? ` · ${review.model}` : ""}</td>
                  <td className="excerpt">{excerpt(review)}</td>
                  <td>{timeLeft(review.holdUntil, now)}</td>
                  <td>
                    {timeLeft(review.expireTime, now)}
                    {mayDecide(signedIn, review) && <> · <Link to={`/reviews/${encodeURIComponent(review.id)}`} aria-label={`Decide review of ${review.requester?.subject ?? "unknown"}, ${review.policy}`}>Decide</Link></>}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        )}
      </section>
      <section aria-labelledby="recent-heading">
        <h2 id="recent-heading">Recently decided or expired</h2>
        <ErrorLine error={recent.error} />
        {recent.value?.length === 0 && <p className="empty">None yet.</p>}
        {recent.value && recent.value.length > 0 && (
          <table className="list">
            <thead><tr><th scope="col">Requested</th><th scope="col">Requester</th><th scope="col">Policy</th><th scope="col">State</th><th scope="col">Decided by</th><th scope="col">Reason</th></tr></thead>
            <tbody>
              {recent.value.map((review) => (
                <tr key={review.id}>
                  <td><Link to={`/reviews/${encodeURIComponent(review.id)}`}>{when(review.createTime)}</Link></td>
                  <td>{review.requester?.subject || "—"}</td>
                  <td>{review.policy}</td>
                  <td><span className={`state ${reviewStateName(review.state)}`}>{reviewStateName(review.state)}</span></td>
                  <td>{review.decidedBy || "—"}</td>
                  <td>{review.reason || "—"}</td>
                </tr>
              ))}
            </tbody>
          </table>
        )}
      </section>
    </>
  );
}

function excerpt(review: Review): string {
  const text = review.prompt.replace(/\s+/g, " ").trim();
  return text.length > 140 ? `${text.slice(0, 140)}…` : text;
}
