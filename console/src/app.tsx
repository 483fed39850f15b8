// The console's frame: finds out who is signed in (GetCaller), shows the sign-in pages when
// nobody is, and otherwise the navigation and the page of the current path.
import { Code, ConnectError } from "@connectrpc/connect";
import { useCallback, useEffect, useRef, useState } from "react";
import { api, errorText, onSignedOut } from "./api.js";
import { CallerContext, capabilities, type SignedIn } from "./caller.js";
import { Page } from "./pages.js";
import { CallbackPage } from "./pages/callback.js";
import { SignInPage } from "./pages/sign-in.js";
import { Nav } from "./parts/nav.js";
import { navigate, useLocation } from "./router.js";

type State = { kind: "loading" } | { kind: "signed-out"; why?: string } | { kind: "signed-in"; signedIn: SignedIn } | { kind: "failed"; error: string };

const ENDED = "Your console session ended or is not valid. Sign in again.";

export function App() {
  const location = useLocation();
  const [state, setState] = useState<State>({ kind: "loading" });
  // Only the latest check counts: the first one (before a sign-in link is used) may answer last.
  const checks = useRef(0);

  const signOut = useCallback(async () => {
    await api.console.signOut({}).catch(() => undefined);
    setState({ kind: "signed-out", why: "You signed out." });
    navigate("/sign-in", { replace: true });
  }, []);

  const load = useCallback(async () => {
    const check = ++checks.current;
    try {
      const { caller } = await api.console.getCaller({});
      if (check === checks.current) setState({ kind: "signed-in", signedIn: capabilities(caller!, signOut) });
    } catch (error) {
      if (check !== checks.current) return;
      const refused = ConnectError.from(error);
      // A cookie the API did not honour (forged, expired, signed out elsewhere) is said so.
      if (refused.code === Code.Unauthenticated) setState({ kind: "signed-out", why: /console session/.test(refused.rawMessage) ? ENDED : undefined });
      else setState({ kind: "failed", error: errorText(error) });
    }
  }, [signOut]);

  useEffect(() => { void load(); }, [load]);
  // A session that ends while the console is open (expired, signed out elsewhere) leads back here.
  useEffect(() => onSignedOut(() => {
    checks.current++;
    setState({ kind: "signed-out", why: ENDED });
  }), []);

  if (location.path === "/callback") return <CallbackPage onSignedIn={load} />;
  if (location.path === "/sign-in" || state.kind === "signed-out") {
    return <SignInPage onSignedIn={load} why={state.kind === "signed-out" ? state.why : undefined} />;
  }
  if (state.kind === "loading") return <main className="center" aria-busy="true"><p>Loading…</p></main>;
  if (state.kind === "failed") {
    return <main className="center"><p role="alert">{state.error}</p><button type="button" onClick={() => void load()}>Try again</button></main>;
  }
  return (
    <CallerContext.Provider value={state.signedIn}>
      <a className="skip" href="#content">Skip to content</a>
      <Nav path={location.path} />
      <main id="content" tabIndex={-1}>
        <Page location={location} />
      </main>
    </CallerContext.Provider>
  );
}
