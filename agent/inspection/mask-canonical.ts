// Masks the canonical request body for the upstream: a JSON or text body through the mask session,
// a multipart upload part by part (text parts masked, binary parts as they are), re-written only
// when something changed.
import type { MaskSession } from "../masking/mask-session.js";
import type { CanonicalBody } from "./canonical-body.js";
import { writeMultipart } from "./multipart-body.js";

/** What goes upstream: bytes, and the Content-Type to send with them (absent: the caller's). */
export interface UpstreamBody {
  bytes: Buffer;
  contentType?: string;
}

/** The body to forward, masked by `masking` when given; the canonical bytes themselves when nothing changed. */
export function maskCanonical(canonical: CanonicalBody, masking: MaskSession | undefined): UpstreamBody {
  const unchanged = { bytes: canonical.bytes, contentType: canonical.contentType };
  if (!masking) return unchanged;
  if (canonical.form === "multipart" && canonical.multipart) {
    let changed = false;
    const parts = canonical.multipart.parts.map((part, index) => {
      if (part.text === undefined) return part;
      const text = masking.maskText(part.text, `request.parts[${index}]`);
      if (text === part.text) return part;
      changed = true;
      return { ...part, text };
    });
    return changed ? writeMultipart(parts) : unchanged;
  }
  if (canonical.form === "binary" || canonical.form === "empty") return unchanged;
  const bytes = masking.maskRequest(canonical.bytes, canonical.json);
  return bytes === canonical.bytes ? unchanged : { bytes, contentType: canonical.contentType };
}
