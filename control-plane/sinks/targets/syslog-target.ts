// RFC 5424 messages over TCP or TLS (RFC 5425) with octet-counting framing (RFC 6587):
// `<len> <PRI>1 TIMESTAMP HOSTNAME APP-NAME PROCID MSGID - MSG`, MSG being the event's JSON with
// every non-ASCII character escaped (so it is plain ASCII and needs no BOM). The connection is
// kept open and made again when it breaks; a batch counts as delivered once the socket has taken
// it (syslog has no acknowledgement: see docs/siem.md). It dials only where a webhook could
// (webhooks/webhook-address.ts): never an unspecified, link-local (cloud metadata), multicast or
// reserved address, checked on the address dialled, after DNS.
import { readFile } from "node:fs/promises";
import net from "node:net";
import { hostname } from "node:os";
import tls from "node:tls";
import { checkedLookup, RefusedAddressError, refusedAddressProblem } from "../../webhooks/webhook-address.js";
import type { SinkEvent } from "../sink-event.js";
import type { SinkTarget } from "./sink-target.js";

/** A syslog sink's settings, defaults applied. */
export interface SyslogTargetOptions {
  address: string;
  tls: boolean;
  caFile: string;
  appName: string;
  /** Connect time limit; default 10 s. */
  connectTimeoutMs?: number;
}

const FACILITY_LOG_AUDIT = 13;
const SEVERITY = { warning: 4, notice: 5, informational: 6 };
const BATCH = 500;

function severity(event: SinkEvent): number {
  const type = event.palisade.type;
  if (type === "alert" || type === "block") return SEVERITY.warning;
  const outcome = (event.event as { outcome?: string } | undefined)?.outcome;
  if (type === "session" && outcome !== "failure") return SEVERITY.informational;
  return SEVERITY.notice;
}

/** JSON with every character outside printable ASCII escaped as \uXXXX. */
export function asciiJson(value: unknown): string {
  return JSON.stringify(value).replace(/[^\x20-\x7e]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, "0")}`);
}

/** One RFC 5424 message (without framing) for `event`. */
export function syslogMessage(event: SinkEvent, appName: string, host = hostname()): string {
  const pri = FACILITY_LOG_AUDIT * 8 + severity(event);
  const msgId = String(event.palisade.type);
  // HOSTNAME and APP-NAME: printable ASCII, no spaces (RFC 5424 section 6).
  const safeHost = host.replace(/[^!-~]/g, "").slice(0, 255) || "-";
  return `<${pri}>1 ${event["@timestamp"]} ${safeHost} ${appName} ${process.pid} ${msgId} - ${asciiJson(event)}`;
}

/** The RFC 6587 octet-counted frame of `message`. */
export function octetFrame(message: string): string {
  return `${Buffer.byteLength(message)} ${message}`;
}

function splitAddress(address: string): { host: string; port: number } {
  const match = /^(?:\[([^\]]+)\]|([^:]+)):(\d+)$/.exec(address);
  if (!match) throw new Error(`syslog address must be "host:port", got "${address}"`);
  return { host: match[1] ?? match[2]!, port: Number(match[3]) };
}

/** A syslog target. */
export function createSyslogTarget(options: SyslogTargetOptions): SinkTarget {
  const { host, port } = splitAddress(options.address);
  const timeout = options.connectTimeoutMs ?? 10_000;
  let socket: net.Socket | undefined;
  let connecting: net.Socket | undefined;
  let closed = false;

  const connect = async (): Promise<net.Socket> => {
    const ca = options.caFile ? [...tls.rootCertificates, await readFile(options.caFile, "utf8")] : undefined;
    // An address literal is not looked up: checked here; a name is checked on what it resolves to.
    const literal = net.isIP(host) ? refusedAddressProblem(host) : undefined;
    if (literal) throw new RefusedAddressError(`syslog address ${literal}`);
    const lookup = checkedLookup("any");
    return new Promise((resolve, reject) => {
      const ready = options.tls ? "secureConnect" : "connect";
      const s = options.tls
        ? tls.connect({ host, port, ca, lookup, servername: net.isIP(host) ? undefined : host })
        : net.connect({ host, port, lookup });
      connecting = s;
      const timer = setTimeout(() => s.destroy(new Error(`syslog ${options.address}: connect timed out`)), timeout);
      s.once(ready, () => {
        clearTimeout(timer);
        connecting = undefined;
        s.off("error", fail);
        s.on("error", () => s.destroy()); // later errors surface on the next write
        s.setKeepAlive(true, 30_000);
        resolve(s);
      });
      const fail = (error: Error) => {
        clearTimeout(timer);
        connecting = undefined;
        reject(error);
      };
      s.once("error", fail);
      s.once("close", () => fail(new Error(`syslog ${options.address}: connection closed`)));
      // A receiver sends nothing back; anything it does send is read and ignored.
      s.on("data", () => {});
      // The receiver closed its side: writes would vanish into a dead connection, so reconnect.
      s.once("end", () => s.destroy());
    });
  };

  return {
    batchSize: BATCH,
    async deliver(events) {
      if (closed) throw new Error("syslog target closed");
      if (!socket || socket.destroyed || !socket.writable) socket = await connect();
      const data = events.map((event) => octetFrame(syslogMessage(event, options.appName))).join("");
      const current = socket;
      await new Promise<void>((resolve, reject) => {
        current.write(data, (error) => (error ? reject(error) : resolve()));
      }).catch((error: unknown) => {
        current.destroy();
        throw error;
      });
    },
    async close() {
      closed = true;
      connecting?.destroy();
      socket?.end();
      socket?.destroy();
      socket = undefined;
    },
  };
}
