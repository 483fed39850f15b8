// Where a webhook may connect, checked on the address actually dialled (after DNS, so a name that
// resolves somewhere else later is caught too): never an unspecified, link-local (the cloud
// metadata endpoints at 169.254.169.254 and fd00:ec2::254), multicast or reserved address; plain
// http only to a loopback address. Private and loopback addresses are allowed: in-house receivers
// are the normal case, and only an admin can set a webhook URL. An IPv6 address that carries an
// IPv4 one for a translator or tunnel to reach (NAT64 64:ff9b::/96 and 64:ff9b:1::/48, 6to4
// 2002::/16, the deprecated IPv4-compatible ::/96; a local-use 64:ff9b:1::/48 translator read as
// a /96) is judged by that IPv4 address too, so
// 64:ff9b::a9fe:a9fe is the metadata endpoint it leads to. The syslog sink dials through the same
// never-list (refusedAddressProblem, checkedLookup), whatever its transport.
import { lookup as dnsLookup, type LookupAddress } from "node:dns";
import { BlockList, isIP, type LookupFunction } from "node:net";
import { buildConnector } from "undici";

const refused = new BlockList();
refused.addSubnet("0.0.0.0", 8, "ipv4");
refused.addSubnet("169.254.0.0", 16, "ipv4");
refused.addSubnet("224.0.0.0", 4, "ipv4");
refused.addSubnet("240.0.0.0", 4, "ipv4");
refused.addAddress("100.100.100.200", "ipv4");
refused.addAddress("::", "ipv6");
refused.addSubnet("fe80::", 10, "ipv6");
refused.addSubnet("ff00::", 8, "ipv6");
refused.addAddress("fd00:ec2::254", "ipv6");

const loopback = new BlockList();
loopback.addSubnet("127.0.0.0", 8, "ipv4");
loopback.addAddress("::1", "ipv6");

/** A destination address a webhook may not reach. */
export class RefusedAddressError extends Error {
  readonly code = "PALISADE_WEBHOOK_ADDRESS";
}

/** The IPv4 address an IPv6 one carries for a translator or a tunnel (NAT64, 6to4, IPv4-compatible), if any. */
export function embeddedIpv4(address: string): string | undefined {
  if (isIP(address) !== 6) return undefined;
  const words = expand(address);
  if (!words) return undefined;
  const v4 = (high: number, low: number) => `${high >> 8}.${high & 255}.${low >> 8}.${low & 255}`;
  // 64:ff9b::/96 (RFC 6052 well-known prefix) and ::/96 (IPv4-compatible): the last 32 bits.
  if ((words[0] === 0x64 && words[1] === 0xff9b && words.slice(2, 6).every((word) => word === 0))
    || (words.slice(0, 6).every((word) => word === 0) && (words[6] !== 0 || words[7]! > 1))) return v4(words[6]!, words[7]!);
  // 64:ff9b:1::/48 (RFC 8215, local-use translators), as a /96 prefix: the last 32 bits.
  if (words[0] === 0x64 && words[1] === 0xff9b && words[2] === 1) return v4(words[6]!, words[7]!);
  // 2002::/16 (6to4): bits 16 to 47.
  if (words[0] === 0x2002) return v4(words[1]!, words[2]!);
  return undefined;
}

/** The eight 16-bit words of an IPv6 address (a trailing dotted IPv4 part included). */
function expand(address: string): number[] | undefined {
  let text = address.toLowerCase();
  const dotted = /(\d+)\.(\d+)\.(\d+)\.(\d+)$/.exec(text);
  if (dotted) {
    const [a, b, c, d] = dotted.slice(1).map(Number) as [number, number, number, number];
    text = `${text.slice(0, dotted.index)}${((a << 8) | b).toString(16)}:${((c << 8) | d).toString(16)}`;
  }
  const [head, tail] = text.includes("::") ? text.split("::") as [string, string] : [text, undefined];
  const left = head ? head.split(":") : [];
  const right = tail ? tail.split(":") : [];
  const missing = 8 - left.length - right.length;
  if (tail === undefined ? left.length !== 8 : missing < 0) return undefined;
  return [...left, ...Array<string>(tail === undefined ? 0 : missing).fill("0"), ...right].map((word) => Number.parseInt(word, 16));
}

/** Why no outbound delivery (webhook, syslog) may connect to `address` whatever the protocol, or undefined. */
export function refusedAddressProblem(address: string): string | undefined {
  const family = isIP(address) === 6 ? "ipv6" : "ipv4";
  if (refused.check(address, family)) return `${address} is an unspecified, link-local, multicast or reserved address`;
  const carried = embeddedIpv4(address);
  if (carried !== undefined && refused.check(carried, "ipv4")) return `${address} carries ${carried}, an unspecified, link-local, multicast or reserved address`;
  return undefined;
}

/** Why a webhook may not connect to `address` over `protocol`, or undefined when it may. */
export function addressProblem(address: string, protocol: string): string | undefined {
  const problem = refusedAddressProblem(address);
  if (problem) return problem;
  const family = isIP(address) === 6 ? "ipv6" : "ipv4";
  if (protocol === "http:" && !loopback.check(address, family)) return `${address} is not a loopback address (plain http goes only to this machine)`;
  return undefined;
}

/**
 * dns.lookup, failing when any address the name resolves to is refused (all are, or none is,
 * used): for `http:` and `https:` by the webhook rule, for "any" by the never-list alone.
 */
export function checkedLookup(protocol: string): LookupFunction {
  return (hostname, options, callback) => {
    dnsLookup(hostname, { ...options, all: true }, (error, addresses: LookupAddress[]) => {
      if (error) return callback(error, "", 0);
      const problem = addresses.map((entry) => (protocol === "any" ? refusedAddressProblem(entry.address) : addressProblem(entry.address, protocol))).find(Boolean);
      if (problem) return callback(new RefusedAddressError(`host ${hostname} resolves to ${problem}`), "", 0);
      if (options.all) return (callback as unknown as (e: null, a: LookupAddress[]) => void)(null, addresses);
      callback(null, addresses[0]!.address, addresses[0]!.family);
    });
  };
}

/** An undici connector that dials only addresses a webhook may reach; `timeoutMs` bounds the connect. */
export function webhookConnector(timeoutMs: number): buildConnector.connector {
  const plain = buildConnector({ timeout: timeoutMs, lookup: checkedLookup("http:") });
  const secure = buildConnector({ timeout: timeoutMs, lookup: checkedLookup("https:") });
  return (options, callback) => {
    // An address literal is not looked up: check it here.
    const problem = isIP(options.hostname) === 0 ? undefined : addressProblem(options.hostname, options.protocol);
    if (problem) return callback(new RefusedAddressError(`webhook address ${problem}`), null);
    (options.protocol === "https:" ? secure : plain)(options, callback);
  };
}
