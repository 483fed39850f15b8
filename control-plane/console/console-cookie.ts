// The console session cookie: HttpOnly (scripts never read it), SameSite=Strict, Path=/ (the RPCs
// live at the root), and Secure with the `__Host-` prefix when the console is served over HTTPS.
// A cookie alone never authenticates: requests must also carry CONSOLE_HEADER, which a page of
// another origin cannot send without a CORS preflight that the control plane never grants.
import { parseCookie, stringifySetCookie } from "cookie";

/** The request header that makes the admin API read the console cookie; its value must be "1". */
export const CONSOLE_HEADER = "palisade-console";

const PLAIN_NAME = "palisade-console";
const SECURE_NAME = "__Host-palisade-console";

/** The cookie's name: `__Host-` prefixed (which browsers accept only with Secure) on HTTPS. */
export function cookieName(secure: boolean): string {
  return secure ? SECURE_NAME : PLAIN_NAME;
}

/** The console session secret in a Cookie header, if any (either name). */
export function readSessionCookie(cookieHeader: string | null): string | undefined {
  if (!cookieHeader) return undefined;
  // HTTP/2 may split cookies over several headers, which Headers joins with ", ".
  const cookies = parseCookie(cookieHeader.replaceAll(", ", "; "));
  return cookies[SECURE_NAME] || cookies[PLAIN_NAME] || undefined;
}

/** The Set-Cookie value that stores `secret` until `expires`. */
export function sessionCookie(secret: string, expires: Date, secure: boolean): string {
  return stringifySetCookie({ name: cookieName(secure), value: secret, httpOnly: true, secure, sameSite: "strict", path: "/", expires });
}

/** The Set-Cookie value that removes the cookie. */
export function clearedCookie(secure: boolean): string {
  return stringifySetCookie({ name: cookieName(secure), value: "", httpOnly: true, secure, sameSite: "strict", path: "/", expires: new Date(0) });
}
