// Who is signed in, for every page: the roles decide what the console offers (the API decides
// what is allowed; the console only hides what it would refuse).
import { createContext, useContext } from "react";
import type { Caller } from "../../gen/palisade/admin/v1/console_service_pb.js";
import { Role } from "../../gen/palisade/admin/v1/resources_pb.js";

/** The signed-in caller and what their roles let them do. */
export interface SignedIn {
  caller: Caller;
  /** Reads prompts and responses (admin, auditor). */
  readsContents: boolean;
  /** Reads reviews (admin, approver, auditor). */
  readsReviews: boolean;
  /** Decides reviews (admin, approver; never their own). */
  decidesReviews: boolean;
  /** Creates and lifts blocks, verifies the audit log (admin); auditors verify too. */
  isAdmin: boolean;
  verifiesAudit: boolean;
  signOut(): Promise<void>;
}

const has = (caller: Caller, ...roles: Role[]) => caller.roles.some((role) => roles.includes(role));

/** The capabilities of `caller`. */
export function capabilities(caller: Caller, signOut: () => Promise<void>): SignedIn {
  return {
    caller,
    readsContents: has(caller, Role.ADMIN, Role.AUDITOR),
    readsReviews: has(caller, Role.ADMIN, Role.APPROVER, Role.AUDITOR),
    decidesReviews: has(caller, Role.ADMIN, Role.APPROVER),
    isAdmin: has(caller, Role.ADMIN),
    verifiesAudit: has(caller, Role.ADMIN, Role.AUDITOR),
    signOut,
  };
}

/** Whether `caller` sent the request reviewed (the API refuses them its decision). */
export function isRequester(caller: Caller, requester: { subject: string; issuer: string } | undefined): boolean {
  // The API's own rule (control-plane/reviews/review-access.ts): same subject of the same issuer.
  return !!requester && caller.subject !== "" && caller.subject === requester.subject && caller.issuer === requester.issuer;
}

export const CallerContext = createContext<SignedIn | undefined>(undefined);

/** The signed-in caller (inside the signed-in part of the app only). */
export function useCaller(): SignedIn {
  const signedIn = useContext(CallerContext);
  if (!signedIn) throw new Error("useCaller outside the signed-in app");
  return signedIn;
}

/** Whether the API would let `signedIn` decide a review of `requester` for `approvers` (mirrors review-access.ts). */
export function mayDecide(signedIn: SignedIn, review: { requester?: { subject: string; issuer: string }; approvers: readonly string[] }): boolean {
  if (!signedIn.decidesReviews || isRequester(signedIn.caller, review.requester)) return false;
  return signedIn.isAdmin || review.approvers.some((group) => signedIn.caller.groups.includes(group));
}
