// palisade.admin.v1.TokenService: caller tokens signed by the service-account issuer, and their
// revocation (pushed to agents with the next snapshot).
import { timestampFromDate } from "@bufbuild/protobuf/wkt";
import { Code, ConnectError, type ServiceImpl } from "@connectrpc/connect";
import { Kind } from "../../gen/palisade/admin/v1/resources_pb.js";
import type { TokenService } from "../../gen/palisade/admin/v1/token_service_pb.js";
import { adminActor } from "../auth/admin-auth.js";
import { UnknownTokenError } from "../storage/resources/revocations.js";
import type { ResourceStore } from "../storage/resources/resource-store.js";
import type { TokenIssuer } from "../tokens/token-issuer.js";
import { retryableConflicts } from "./storage-errors.js";

const DEFAULT_TTL_SECONDS = 3600;

/** Collaborators of the token service. */
export interface TokenServiceDeps {
  issuer: TokenIssuer;
  resources: ResourceStore;
}

/** The TokenService implementation. */
export function createTokenService(deps: TokenServiceDeps): ServiceImpl<typeof TokenService> {
  return {
    async createToken(request) {
      // The contract requires a subject and bounds the ttl (1 minute to 30 days).
      const subject = request.subject.trim();
      const ttlSeconds = request.ttl
        ? Number(request.ttl.seconds) + request.ttl.nanos / 1e9
        : DEFAULT_TTL_SECONDS;
      let groups = request.groups.filter((group) => group.trim() !== "");
      if (groups.length === 0) {
        const account = await deps.resources.get(Kind.SERVICE_ACCOUNT, subject);
        if (account?.resource.case === "serviceAccount") groups = account.resource.value.groups;
      }
      const issued = await deps.issuer.issue({
        subject, groups, email: request.email || undefined, ttlSeconds: Math.floor(ttlSeconds),
      });
      return { token: issued.token, jti: issued.jti, expireTime: timestampFromDate(issued.expiresAt), issuer: issued.issuer };
    },
    async revokeToken(request, context) {
      // The contract requires exactly one of them.
      const jti = request.jti.trim();
      const subject = request.subject.trim();
      try {
        const target = jti ? { jti } : { subject };
        await retryableConflicts("a token revocation", () => deps.issuer.revoke(target, adminActor(context)));
        return {};
      } catch (error) {
        if (error instanceof UnknownTokenError) throw new ConnectError(error.message, Code.NotFound);
        throw error;
      }
    },
  };
}
