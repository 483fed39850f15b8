// The request that goes upstream: the canonical one, or — when request mask rules apply — its
// slots masked (request-inspection.ts) and re-encoded where something changed. A request whose
// values cannot be masked (nested too deeply to walk, a finding in a header name, two keys masked
// into one) is refused, never forwarded unmasked.
import type { Route } from "../http/route.js";
import type { MaskSession } from "../masking/mask-session.js";
import type { Refusal } from "../providers/index.js";
import type { CanonicalBody } from "./canonical-body.js";
import type { RequestInspection, UpstreamBody } from "./request-inspection.js";
import { maskSlots } from "./slot-masker.js";
import { UnmaskableError } from "./text-slot.js";

/** What goes upstream: body, route, and the caller's headers as masked (absent: unchanged). */
export interface UpstreamRequest extends UpstreamBody {
  route: Route;
  headers?: Record<string, string | string[]>;
}

export type MaskedRequest = { ok: true; upstream: UpstreamRequest } | { ok: false; refusal: Refusal; reason: string };

/** The request to forward, masked by `masking` when it masks requests; `inspect` builds the slots (once). */
export function maskedRequest(canonical: CanonicalBody, route: Route, inspect: () => RequestInspection, masking: MaskSession | undefined): MaskedRequest {
  if (!masking?.masksRequests) return { ok: true, upstream: { bytes: canonical.bytes, contentType: canonical.contentType, route } };
  const inspection = inspect();
  try {
    maskSlots(inspection.slots, masking.prompt, inspection.reading());
    const { body, route: upstreamRoute, headers } = inspection.upstream();
    return { ok: true, upstream: { ...body, route: upstreamRoute, headers } };
  } catch (error) {
    // The walk and JSON.stringify recurse in places: a body nested thousands of levels deep overflows them.
    if (error instanceof RangeError) {
      return { ok: false, refusal: { status: 400, kind: "invalid_request", code: "uninspectable_body", message: "Request body is nested too deeply for Palisade to mask" }, reason: "request body nested too deeply to mask" };
    }
    if (error instanceof UnmaskableError) {
      return { ok: false, refusal: { status: 400, kind: "invalid_request", code: "unmaskable", message: `Palisade cannot mask this request: ${error.message}` }, reason: `request not maskable: ${error.message}` };
    }
    throw error;
  }
}
