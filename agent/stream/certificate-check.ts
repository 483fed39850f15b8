// Why an https:// control plane cannot be reached, when the reason is its certificate. grpc-js
// reports only UNAVAILABLE with a free-text detail; one TLS handshake of our own (verification
// recorded, not enforced) gives Node's code for it, so the log can name the fix.
import { isIP } from "node:net";
import tls from "node:tls";

/** What is wrong with the control plane's certificate for this agent, or undefined if nothing is. */
export type CertificateCheck = () => Promise<string | undefined>;

const handshakeTimeoutMs = 5_000;

/**
 * A check of the certificate served at `controlPlane` against `ca` (else Node's roots); it answers
 * undefined for http:// URLs, a verified certificate, or a server that cannot be reached at all.
 */
export function certificateCheck(controlPlane: string, ca: Buffer | undefined): CertificateCheck {
  const url = new URL(controlPlane);
  if (url.protocol !== "https:") return async () => undefined;
  const host = url.hostname.replace(/^\[(.*)\]$/, "$1");
  const port = Number(url.port || 443);
  return () =>
    new Promise((resolve) => {
      const socket = tls.connect({
        host,
        port,
        ca,
        // SNI takes names only; an address is checked against the certificate's IP entries.
        servername: isIP(host) === 0 ? host : undefined,
        ALPNProtocols: ["h2"],
        rejectUnauthorized: false,
      });
      const done = (problem: string | undefined) => {
        socket.destroy();
        resolve(problem);
      };
      socket.setTimeout(handshakeTimeoutMs, () => done(undefined));
      socket.once("error", () => done(undefined));
      socket.once("secureConnect", () => {
        const code = socket.authorized ? undefined : String(socket.authorizationError);
        if (code === undefined) done(undefined);
        else if (code === "ERR_TLS_CERT_ALTNAME_INVALID") done(`its TLS certificate does not name ${host} (${code})`);
        else done(`its TLS certificate is not trusted (${code}); give the agent the CA that signed it (--ca-file, PALISADE_CA_FILE)`);
      });
    });
}
