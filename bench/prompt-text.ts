// Deterministic prompt-like text for the masking benches: prose with order numbers, dates,
// versions, ids and prices, and optionally one personal value per ~2 KB.

const words = (
  "the a of to and in is for on with that this it as be are by at from or an we you can will model request response " +
  "please summarise following customer account order invoice deploy service cluster version release note table report " +
  "meeting tomorrow budget quarter revenue growth issue ticket error stack trace function return value config update"
).split(" ");
const noise = ["order 1234567890", "v1.2.3", "2024-01-15", "10:30", "123e4567-e89b-12d3-a456-426614174000", "3.14", "#4521", "$1,299.00", "id=8842", "x86_64", "ISO 8601", "HTTP/1.1 200"];
/** Personal values of every built-in kind, as they appear in prompts and replies. */
export const personal = [
  "jane.doe@example.com", "+44 20 7946 0958", "+1 (415) 555-2671", "4111 1111 1111 1111", "DE89 3704 0044 0532 0130 00",
  "123-45-6789", "10.0.0.7", "2001:db8::1", "sk-proj-Ab3dEfGhIjKlMnOpQrStUvWxYz0123456789", "AKIAIOSFODNN7EXAMPLE",
];

/** About `bytes` of prompt-like text, deterministic; with `pii`, one personal value per ~2 KB. */
export function promptText(bytes: number, pii: boolean): string {
  let seed = 42;
  const next = (range: number): number => {
    seed = (seed * 1_103_515_245 + 12_345) % 2_147_483_648;
    return seed % range;
  };
  const parts: string[] = [];
  let length = 0;
  let sincePii = 0;
  while (length < bytes) {
    let part = words[next(words.length)];
    if (next(25) === 0) part = noise[next(noise.length)];
    if (pii && sincePii > 2_000) {
      part = personal[next(personal.length)];
      sincePii = 0;
    }
    if (next(14) === 0) part += next(3) === 0 ? ".\n" : ",";
    parts.push(part);
    length += part.length + 1;
    sincePii += part.length + 1;
  }
  return parts.join(" ");
}
