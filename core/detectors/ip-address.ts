// IP addresses. IPv4: dotted quad of decimal octets 0–255 without leading zeros, not part of a
// longer dotted run (so "1.2.3.4.5" and "v1.2.3.4" are not addresses). IPv6: a run of hex digits,
// colons and dots with at least two colons, validated by node:net's isIPv6 (all compressed forms,
// embedded IPv4); a run with no hex digit ("::") is refused. Zone ids ("%eth0") are not included.
import { isIPv6 } from "node:net";
import { alphabet, trailingRun, type Detector, type Finding } from "./detector.js";

const octet = "(?:25[0-5]|2[0-4]\\d|1\\d\\d|[1-9]?\\d)";
const ipv4 = new RegExp(`(?<![\\w.:])${octet}(?:\\.${octet}){3}(?!\\w|\\.\\w)`, "g");
const ipv6 = /(?<![\w:.])(?=[0-9A-Fa-f.]*:[0-9A-Fa-f.]*:)[0-9A-Fa-f:.]{2,45}(?![\w:])/g;

function findIpv6(text: string, findings: Finding[]): void {
  ipv6.lastIndex = 0;
  for (let match = ipv6.exec(text); match !== null; match = ipv6.exec(text)) {
    const value = match[0].replace(/\.+$/, ""); // a sentence's full stop is not part of the address
    if (!/[0-9A-Fa-f]/.test(value) || !isIPv6(value)) continue;
    findings.push({ detector: "ip-address", kind: "ipv6", start: match.index, end: match.index + value.length, value });
  }
}

const inAlphabet = alphabet("0-9A-Fa-f:.");

/** The IPv4 and IPv6 address detector. */
export function ipAddressDetector(): Detector {
  return {
    name: "ip-address",
    maxLength: 45,
    find(text) {
      const findings: Finding[] = [];
      ipv4.lastIndex = 0;
      for (let match = ipv4.exec(text); match !== null; match = ipv4.exec(text)) {
        findings.push({ detector: "ip-address", kind: "ipv4", start: match.index, end: match.index + match[0].length, value: match[0] });
      }
      findIpv6(text, findings);
      return findings.sort((a, b) => a.start - b.start);
    },
    holdFrom: (text) => trailingRun(text, inAlphabet, 45),
  };
}
