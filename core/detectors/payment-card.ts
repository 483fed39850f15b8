// Payment card numbers (PAN): 13–19 digits starting with 2–6 (the issuer ranges of Visa,
// Mastercard, Amex, Discover, JCB, Diners, UnionPay, Maestro), written contiguously, in groups of
// four (4-4-4-4[-1..3]) with any separators (spaces, dashes, dots, slashes, several of them, even
// mixed), in the Amex/Diners 4-6-5 / 4-6-4 grouping or digit by digit with one separator used
// throughout. Separators are one to three characters that are neither letters, digits nor line
// breaks; compiled detectors read a normalised view (core/text/normalise.ts), so NBSP, full-width
// and zero-width tricks are already folded. Validated by the Luhn checksum; a run of one repeated
// digit is refused; digits right after an IBAN's "CC99 " are that IBAN's, not a card. Leading 1 is
// excluded on purpose: millisecond timestamps (13 digits, 1…) would otherwise pass Luhn one time in ten.
import { regexDetector, type Detector } from "./detector.js";

const separator = "[^A-Za-z0-9\\r\\n]{1,3}";
const pattern = new RegExp(
  "(?<![\\w.,-])(?<![A-Z]{2}\\d{2} )(?:" +
    "[2-6]\\d{12,18}" +
    `|[2-6]\\d{3}(?:${separator}\\d{4}){3}(?:${separator}\\d{1,3})?` +
    `|3\\d{3}(?<amex>${separator})\\d{6}\\k<amex>\\d{4,5}` +
    `|[2-6](?<single>${separator})\\d(?:\\k<single>\\d){12,18}` +
    ")(?!\\w|[.,-]\\d)",
  "g",
);

/** True when `digits` (only 0–9) passes the Luhn (mod 10) check. */
export function luhnValid(digits: string): boolean {
  let sum = 0;
  for (let index = 0; index < digits.length; index++) {
    let digit = digits.charCodeAt(digits.length - 1 - index) - 48;
    if (index % 2 === 1) {
      digit *= 2;
      if (digit > 9) digit -= 9;
    }
    sum += digit;
  }
  return sum % 10 === 0;
}

function valid(value: string): boolean {
  const digits = value.replace(/\D/g, "");
  if (digits.length < 13 || digits.length > 19) return false;
  if (/^(\d)\1*$/.test(digits)) return false;
  return luhnValid(digits);
}

/** The payment card detector. */
export function paymentCardDetector(): Detector {
  return regexDetector({ name: "payment-card", pattern, maxLength: 80, alphabet: "^A-Za-z\\r\\n", validate: valid });
}
