// A value found in a JSON number (a seed, an id) or in a key that is only digits (`logit_bias`
// token ids) is masked as digits, not as a marker: a provider that takes a number rejects a string
// ("seed": "[PHONE]" is a 400). The digits of the finding become a fixed run of the same length —
// `1` then `0`s where the run starts the number (JSON allows no leading zero), `0`s elsewhere — and
// with `style: pseudonymize` the placeholder's number ends the run, so two values stay distinct
// (`<PHONE_3>` → `1000000003`). Such digits are never restored in a reply.

const isDigit = (code: number) => code >= 48 && code <= 57;
const placeholderNumber = /_(\d+)>$/;

/** `text` with the digits of [start, end) replaced as the header says; `replacement` is the marker or placeholder masking chose. */
export function maskedDigits(text: string, start: number, end: number, replacement: string): string {
  let first = -1;
  for (let index = 0; index < text.length; index++) {
    if (isDigit(text.charCodeAt(index))) {
      first = index;
      break;
    }
  }
  const digits: number[] = [];
  for (let index = start; index < end; index++) if (isDigit(text.charCodeAt(index))) digits.push(index);
  const chars = text.split("");
  for (const index of digits) chars[index] = index === first ? "1" : "0";
  const number = placeholderNumber.exec(replacement)?.[1];
  if (number !== undefined) {
    // Right-aligned in the run, leaving its leading `1` alone.
    const room = digits.filter((index) => index !== first);
    if (number.length <= room.length) {
      for (let at = 0; at < number.length; at++) chars[room[room.length - number.length + at]!] = number[at]!;
    }
  }
  return chars.join("");
}
