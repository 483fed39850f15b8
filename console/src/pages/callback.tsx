// Where the identity provider sends the browser back: the control plane redeems the code.
import { useEffect, useRef, useState } from "react";
import { api, errorText } from "../api.js";
import { takePendingSignIn } from "../oidc.js";
import { ErrorLine, useTitle } from "../parts/common.js";
import { Link, navigate } from "../router.js";

export function CallbackPage({ onSignedIn }: { onSignedIn: () => Promise<void> }) {
  useTitle("Signing in");
  const [error, setError] = useState<string>();
  const started = useRef(false);

  useEffect(() => {
    if (started.current) return;
    started.current = true;
    const callbackUrl = window.location.href;
    const params = new URLSearchParams(window.location.search);
    const pending = takePendingSignIn();
    // The code is single-use and short-lived: keep it out of the history either way.
    window.history.replaceState(null, "", window.location.pathname);
    if (params.get("error")) {
      setError(`The identity provider refused: ${params.get("error_description") ?? params.get("error")}`);
      return;
    }
    if (!pending) {
      setError("This sign-in was not started in this tab (or was already used). Start again.");
      return;
    }
    api.console.signIn({
      method: {
        case: "oidc",
        value: { provider: pending.provider, callbackUrl, codeVerifier: pending.verifier, state: pending.state, nonce: pending.nonce },
      },
    })
      .then(async () => {
        await onSignedIn();
        navigate(pending.returnTo.startsWith("/") ? pending.returnTo : "/", { replace: true });
      })
      .catch((caught: unknown) => setError(errorText(caught)));
  }, [onSignedIn]);

  return (
    <main className="sign-in" id="content">
      <h1>Signing in…</h1>
      <ErrorLine error={error} />
      {error && <p><Link to="/sign-in">Back to sign-in</Link></p>}
    </main>
  );
}
