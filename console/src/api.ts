// The admin API from the browser: Connect over fetch to the page's own origin, with the console
// session cookie (HttpOnly, sent by the browser) and the header that makes the API read it.
import { Code, ConnectError, createClient, type Client, type Interceptor } from "@connectrpc/connect";
import { createConnectTransport } from "@connectrpc/connect-web";
import type { DescService } from "@bufbuild/protobuf";
import { AuditLogService } from "../../gen/palisade/admin/v1/audit_log_service_pb.js";
import { BlockService } from "../../gen/palisade/admin/v1/block_service_pb.js";
import { ConsoleService } from "../../gen/palisade/admin/v1/console_service_pb.js";
import { ReviewService } from "../../gen/palisade/admin/v1/review_service_pb.js";
import { SessionService } from "../../gen/palisade/admin/v1/session_service_pb.js";
import { UsageService } from "../../gen/palisade/admin/v1/usage_service_pb.js";

// Told when any call finds the session gone, so the app can go back to the sign-in page.
const signedOutListeners = new Set<() => void>();

/** Calls `listener` whenever a call is refused as unauthenticated; returns how to stop. */
export function onSignedOut(listener: () => void): () => void {
  signedOutListeners.add(listener);
  return () => signedOutListeners.delete(listener);
}

const consoleHeader: Interceptor = (next) => async (request) => {
  request.header.set("palisade-console", "1");
  try {
    return await next(request);
  } catch (error) {
    const refused = ConnectError.from(error);
    // Signing in and asking who is signed in are the app's own checks, answered where they are made.
    if (refused.code === Code.Unauthenticated && request.method.name !== "SignIn" && request.method.name !== "GetCaller") {
      for (const listener of signedOutListeners) listener();
    }
    throw error;
  }
};

const transport = createConnectTransport({
  baseUrl: window.location.origin,
  interceptors: [consoleHeader],
  fetch: (input, init) => globalThis.fetch(input, { ...init, credentials: "same-origin" }),
});

const client = <S extends DescService>(service: S): Client<S> => createClient(service, transport);

/** One client per admin service the console uses. */
export const api = {
  console: client(ConsoleService),
  reviews: client(ReviewService),
  sessions: client(SessionService),
  blocks: client(BlockService),
  usage: client(UsageService),
  auditLog: client(AuditLogService),
};

/** A refusal or failure in words for the page. */
export function errorText(error: unknown): string {
  const e = ConnectError.from(error);
  if (e.code === Code.PermissionDenied) return `Not allowed: ${e.rawMessage}`;
  if (e.code === Code.Unavailable) return "The control plane is not reachable. Retrying…";
  return e.rawMessage || String(error);
}
