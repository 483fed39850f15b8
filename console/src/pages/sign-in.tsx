// Signing in: with a one-time link (its code in the URL fragment, which never reaches a server
// log), or with an identity provider that has a console client.
import { useEffect, useRef, useState } from "react";
import type { SignInProvider } from "../../../gen/palisade/admin/v1/console_service_pb.js";
import { api, errorText } from "../api.js";
import { startSignIn } from "../oidc.js";
import { ErrorLine, useTitle } from "../parts/common.js";
import { navigate, useLocation } from "../router.js";

export function SignInPage({ onSignedIn, why }: { onSignedIn: () => Promise<void>; why?: string }) {
  useTitle("Sign in");
  const [providers, setProviders] = useState<SignInProvider[]>();
  const [error, setError] = useState<string>();
  const [busy, setBusy] = useState(false);
  const usedLink = useRef<string>(undefined);
  // Signed out on a deep link (a review's page from a webhook): come back to it afterwards.
  const { path } = useLocation();
  const returnTo = path === "/sign-in" || path === "/callback" ? "/" : path;

  useEffect(() => {
    const signInWithLink = () => {
      const code = new URLSearchParams(window.location.hash.slice(1)).get("code");
      if (!code || usedLink.current === code) return;
      usedLink.current = code;
      // The code works once: drop it from the address bar and history before using it.
      window.history.replaceState(null, "", window.location.pathname);
      setBusy(true);
      setError(undefined);
      api.console.signIn({ method: { case: "linkCode", value: code } })
        .then(async () => {
          await onSignedIn();
          navigate(returnTo, { replace: true });
        })
        .catch((caught: unknown) => setError(`This sign-in link does not work: ${errorText(caught)}`))
        .finally(() => setBusy(false));
    };
    signInWithLink();
    // A link opened in a tab already showing this page changes only the fragment.
    window.addEventListener("hashchange", signInWithLink);
    return () => window.removeEventListener("hashchange", signInWithLink);
  }, [onSignedIn, returnTo]);

  useEffect(() => {
    api.console.getSignInOptions({}).then((answer) => setProviders(answer.providers), (caught: unknown) => setError(errorText(caught)));
  }, []);

  const signInWith = (provider: SignInProvider) => {
    setBusy(true);
    startSignIn(provider, returnTo).catch((caught: unknown) => {
      setBusy(false);
      setError(errorText(caught));
    });
  };

  return (
    <main className="sign-in" id="content">
      <h1>Palisade console</h1>
      {why && <p className="notice" role="status">{why}</p>}
      <ErrorLine error={error} />
      {busy && <p aria-busy="true">Signing in…</p>}
      <section aria-labelledby="providers-heading">
        <h2 id="providers-heading">Sign in</h2>
        {providers === undefined && !error && <p className="muted">Loading…</p>}
        {providers?.length === 0 && (
          <p className="muted">No identity provider offers console sign-in. An administrator can print a one-time link with <code>palisade console</code>.</p>
        )}
        <ul className="plain">
          {providers?.map((provider) => (
            <li key={provider.name}>
              <button type="button" className="primary" disabled={busy || !provider.authorizationEndpoint} onClick={() => signInWith(provider)}>
                Sign in with {provider.name}
              </button>
              {!provider.authorizationEndpoint && <span className="muted"> (its discovery document cannot be read now)</span>}
            </li>
          ))}
        </ul>
        <p className="muted small">Administrators: <code>palisade console</code> prints a link that signs in once.</p>
      </section>
    </main>
  );
}
