// OpenAI's end marker, `data: [DONE]`, as a known end. The full path reads it as loose text (not
// JSON): a loose stream of its own (text/<name>, with a base64 watch), a scan, a hold, settled at the
// reply's end. What that does depends on the reply's rules alone, never on the stream, when no text
// event came before (no `text/` key was ever open, so none resumes) and no loose text is open (the
// event's end interrupts nothing): the marker is delivered unchanged at once when the rules find
// nothing in "[DONE]" and hold none of it (a "DONE" word rule would: then the full path). Worked out
// once per rule set. An event after the marker (never in OpenAI's streams) first replays the piece
// and the event's end, so the loose state it meets is the full path's.
import type { ReplyMasker } from "./mask-context.js";

export const DONE = "[DONE]";

// By the reply's one detector set: whether the marker is quiet (no finding, no hold). The scanner
// also reads placeholders, which start with `<`: the marker has none, so the table never matters.
const quietBySet = new WeakMap<object, boolean>();

/** Whether the full path delivers "[DONE]", read alone, unchanged and at once (no match, nothing held). */
export function quietEnd(reply: ReplyMasker): boolean {
  const sets = reply.detectorSets;
  const cached = sets.length === 1 ? quietBySet.get(sets[0]) : undefined;
  if (cached !== undefined) return cached;
  const found = reply.scanner.scan(DONE);
  const quiet = found.matches.length === 0 && reply.scanner.holdFrom(DONE, found.spans) === DONE.length;
  if (sets.length === 1) quietBySet.set(sets[0], quiet);
  return quiet;
}
