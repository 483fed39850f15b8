// Every admin RPC needs `authorization: Bearer <admin token>`. The agent stream is not behind this
// interceptor: it authenticates agents by enrolment token itself.
import { Code, ConnectError, createContextKey, type HandlerContext, type Interceptor } from "@connectrpc/connect";
import type { AdminTokenVerifier } from "./admin-tokens.js";

/** The name of the admin token an RPC was made with; recorded as the actor of changes. */
export const adminActorKey = createContextKey<string>("anonymous", { description: "admin actor" });

/** The actor of the RPC whose context this is. */
export function adminActor(context: HandlerContext): string {
  return context.values.get(adminActorKey);
}

/** An interceptor refusing calls without a valid admin token with UNAUTHENTICATED. */
export function adminAuthInterceptor(verify: AdminTokenVerifier): Interceptor {
  return (next) => async (request) => {
    const match = /^Bearer\s+(\S+)\s*$/i.exec(request.header.get("authorization") ?? "");
    if (!match) {
      throw new ConnectError("missing admin token: send `authorization: Bearer <admin token>`", Code.Unauthenticated);
    }
    const name = await verify(match[1]!);
    if (!name) throw new ConnectError("invalid admin token", Code.Unauthenticated);
    request.contextValues.set(adminActorKey, `admin-token:${name}`);
    return next(request);
  };
}
