// Where a webhook may connect, checked on the address actually dialled (after DNS, so a name that
// resolves somewhere else later is caught too): never an unspecified, link-local (the cloud
// metadata endpoints at 169.254.169.254 and fd00:ec2::254), multicast or reserved address; plain
// http only to a loopback address. Private and loopback addresses are allowed: in-house receivers
// are the normal case, and only an admin can set a webhook URL.
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

/** Why a webhook may not connect to `address` over `protocol`, or undefined when it may. */
export function addressProblem(address: string, protocol: string): string | undefined {
  const family = isIP(address) === 6 ? "ipv6" : "ipv4";
  if (refused.check(address, family)) return `${address} is an unspecified, link-local, multicast or reserved address`;
  if (protocol === "http:" && !loopback.check(address, family)) return `${address} is not a loopback address (plain http goes only to this machine)`;
  return undefined;
}

// dns.lookup, failing when any address the name resolves to is refused (all are, or none is, used).
function checkedLookup(protocol: string): LookupFunction {
  return (hostname, options, callback) => {
    dnsLookup(hostname, { ...options, all: true }, (error, addresses: LookupAddress[]) => {
      if (error) return callback(error, "", 0);
      const problem = addresses.map((entry) => addressProblem(entry.address, protocol)).find(Boolean);
      if (problem) return callback(new RefusedAddressError(`webhook host ${hostname} resolves to ${problem}`), "", 0);
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
