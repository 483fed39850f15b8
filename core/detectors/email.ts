// E-mail addresses: a dot-atom local part (RFC 5322 without quoted strings or comments), "@", and a
// domain of DNS labels ending in an alphabetic top-level label. Validated after the pattern: no
// ".." in the local part, at most 254 characters. A TLD that is a file extension is no TLD: an
// asset written with a density suffix (`icon@2x.png`) is not an address, and a file named after one
// (`jane@example.com.txt`) holds the address without its extension.
import { regexDetector, type Detector } from "./detector.js";

// File extensions that are not top-level domains; ".py", ".sh", ".rs", ".md" are real TLDs and stay.
const assetExtensions = ["png", "jpg", "jpeg", "gif", "svg", "webp", "ico", "bmp", "tif", "tiff", "avif", "heic", "pdf", "js", "mjs", "cjs", "ts", "tsx", "jsx", "css", "scss", "json", "yaml", "yml", "html", "htm", "txt", "wasm", "map", "lock"];
const asset = `(?:${assetExtensions.join("|")})(?![A-Za-z0-9-])`;

const local = "[A-Za-z0-9](?:[A-Za-z0-9._%+-]{0,62}[A-Za-z0-9_%+-])?";
const label = "[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?";
// The address ends at its TLD; a file extension after it (`jane@example.com.txt`, a file named
// after an address) is not part of it, but an address never ends in one (`icon@2x.png`).
const pattern = new RegExp(`(?<![A-Za-z0-9._%+-])${local}@(?:${label}\\.)+(?!${asset})[A-Za-z]{2,63}(?![A-Za-z0-9-]|\\.(?!${asset})[A-Za-z0-9])`, "gi");

function valid(value: string): boolean {
  if (value.length > 254) return false;
  const at = value.indexOf("@");
  return !value.slice(0, at).includes("..");
}

/** The e-mail detector. */
export function emailDetector(): Detector {
  return regexDetector({ name: "email", pattern, maxLength: 254, alphabet: "A-Za-z0-9._%+@-", validate: valid, requires: "@" });
}
