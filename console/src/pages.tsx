// Which page a path shows.
import { useEffect } from "react";
import { useCaller } from "./caller.js";
import { AlertsPage } from "./pages/alerts.js";
import { AuditPage } from "./pages/audit.js";
import { BlocksPage } from "./pages/blocks.js";
import { ReviewPage } from "./pages/review.js";
import { ReviewsPage } from "./pages/reviews.js";
import { SessionPage } from "./pages/session.js";
import { SessionsPage } from "./pages/sessions.js";
import { UsagePage } from "./pages/usage.js";
import { type Location, navigate } from "./router.js";

export function Page({ location }: { location: Location }) {
  const { path, query } = location;
  const { readsReviews } = useCaller();
  const [, section, id] = path.split("/").map((part) => decodeURIComponent(part));
  useEffect(() => {
    if (path === "/") navigate(readsReviews ? "/reviews" : "/sessions", { replace: true });
  }, [path, readsReviews]);
  switch (section) {
    case "reviews": return id ? <ReviewPage key={id} id={id} /> : <ReviewsPage />;
    case "sessions": return id ? <SessionPage key={id} id={id} /> : <SessionsPage key={query.toString()} query={query} />;
    case "alerts": return <AlertsPage />;
    case "blocks": return <BlocksPage />;
    case "usage": return <UsagePage />;
    case "audit": return <AuditPage />;
    case "": return null;
    default: return <NotFound />;
  }
}

function NotFound() {
  useEffect(() => { document.title = "Not found · Palisade"; }, []);
  return <><h1>Not found</h1><p>There is no console page at this address.</p></>;
}
