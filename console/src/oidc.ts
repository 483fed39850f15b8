// The browser's half of the authorization code flow with PKCE (RFC 7636): a fresh verifier,
// state and nonce per attempt, kept in sessionStorage (this tab only) until the provider sends the
// browser back to /console/callback; the control plane redeems the code (SignIn).
import type { SignInProvider } from "../../gen/palisade/admin/v1/console_service_pb.js";
import { BASE } from "./router.js";

const STORAGE_KEY = "palisade.console.oidc";

/** What an attempt remembers across the redirect. */
export interface PendingSignIn {
  provider: string;
  verifier: string;
  state: string;
  nonce: string;
  /** The console path to show once signed in. */
  returnTo: string;
}

function randomText(bytes = 32): string {
  const data = crypto.getRandomValues(new Uint8Array(bytes));
  return base64url(data);
}

function base64url(data: Uint8Array): string {
  let text = "";
  for (const byte of data) text += String.fromCharCode(byte);
  return btoa(text).replaceAll("+", "-").replaceAll("/", "_").replace(/=+$/, "");
}

/** Where the provider sends the browser back (register it at the provider). */
export function redirectUri(): string {
  return `${window.location.origin}${BASE}/callback`;
}

/** Sends the browser to `provider` to sign in. */
export async function startSignIn(provider: SignInProvider, returnTo: string): Promise<void> {
  if (!crypto.subtle) throw new Error("This page is not a secure context (use HTTPS): the browser cannot make a PKCE challenge.");
  const pending: PendingSignIn = { provider: provider.name, verifier: randomText(), state: randomText(16), nonce: randomText(16), returnTo };
  const challenge = base64url(new Uint8Array(await crypto.subtle.digest("SHA-256", new TextEncoder().encode(pending.verifier))));
  sessionStorage.setItem(STORAGE_KEY, JSON.stringify(pending));
  const url = new URL(provider.authorizationEndpoint);
  url.search = new URLSearchParams({
    response_type: "code",
    client_id: provider.clientId,
    redirect_uri: redirectUri(),
    scope: provider.scopes.join(" "),
    state: pending.state,
    nonce: pending.nonce,
    code_challenge: challenge,
    code_challenge_method: "S256",
  }).toString();
  window.location.assign(url.toString());
}

/** The attempt this tab started, removed from storage (a callback is used once). */
export function takePendingSignIn(): PendingSignIn | undefined {
  const text = sessionStorage.getItem(STORAGE_KEY);
  sessionStorage.removeItem(STORAGE_KEY);
  if (!text) return undefined;
  try {
    return JSON.parse(text) as PendingSignIn;
  } catch {
    return undefined;
  }
}
