// Revoked caller tokens from the snapshot, compiled for a lookup per request: by issuer and jti,
// or by issuer and subject with the time before which that subject's tokens are refused.
import { timestampMs } from "@bufbuild/protobuf/wkt";
import type { JWTPayload } from "jose";
import type { TokenRevocation } from "../../gen/palisade/agent/v1/snapshot_pb.js";

/** Whether a verified token has been revoked. */
export interface RevocationList {
  isRevoked(issuer: string, claims: JWTPayload): boolean;
}

/** Compiles the snapshot's revocations; throws (to NACK) for one that names neither jti nor subject. */
export function compileRevocations(revocations: readonly TokenRevocation[]): RevocationList {
  const jtis = new Set<string>();
  const subjects = new Map<string, number>(); // issuer + subject → issued-before (ms)
  const key = (issuer: string, value: string) => JSON.stringify([issuer, value]);
  for (const revocation of revocations) {
    if (!revocation.issuer) throw new Error("token revocation without an issuer");
    if ((revocation.jti === "") === (revocation.subject === "")) {
      throw new Error("token revocation must name exactly one of jti and subject");
    }
    if (revocation.jti) {
      jtis.add(key(revocation.issuer, revocation.jti));
      continue;
    }
    if (!revocation.issuedBefore) throw new Error(`token revocation of subject ${revocation.subject} has no issued-before time`);
    const before = timestampMs(revocation.issuedBefore);
    const subject = key(revocation.issuer, revocation.subject);
    subjects.set(subject, Math.max(before, subjects.get(subject) ?? 0));
  }
  return {
    isRevoked(issuer, claims) {
      // An empty list answers without a key made (most snapshots revoke nothing; this runs per request).
      if (jtis.size > 0 && typeof claims.jti === "string" && jtis.has(key(issuer, claims.jti))) return true;
      if (subjects.size === 0 || typeof claims.sub !== "string") return false;
      const before = subjects.get(key(issuer, claims.sub));
      if (before === undefined) return false;
      // A token without `iat` cannot show it was issued after the revocation.
      return typeof claims.iat !== "number" || claims.iat * 1000 < before;
    },
  };
}
