// A private CA and certificates signed by it, made fresh for each test file and written to a
// temporary directory, so TLS tests need nothing from the machine (no openssl, no fixtures).
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import selfsigned from "selfsigned";

/** PEM texts of a certificate and its key. */
export interface Pem {
  cert: string;
  key: string;
}

/** A CA, a server certificate it signed (localhost, 127.0.0.1, ::1), and a stranger CA. */
export interface TestPki {
  ca: Pem;
  server: Pem;
  /** A CA that signed nothing here: trusting only it must fail. */
  otherCa: Pem;
  /** Files in `dir`: ca.pem, server.pem, server-key.pem, other-ca.pem, other-key.pem (a key of another pair). */
  files: { caFile: string; certFile: string; keyFile: string; otherCaFile: string; otherKeyFile: string };
  dir: string;
  /** Removes the files. */
  remove(): Promise<void>;
}

const ec = { keyType: "ec", curve: "P-256", algorithm: "sha256" } as const;

async function createCa(name: string): Promise<Pem> {
  const pems = await selfsigned.generate([{ name: "commonName", value: name }], {
    ...ec,
    extensions: [
      { name: "basicConstraints", cA: true, critical: true },
      { name: "keyUsage", keyCertSign: true, cRLSign: true, digitalSignature: true, critical: true },
    ],
  });
  return { cert: pems.cert, key: pems.private };
}

/** A certificate for `names` (DNS names and IP addresses) signed by `ca`. */
export async function signServerCertificate(ca: Pem, names: string[]): Promise<Pem> {
  const altNames = names.map((name) =>
    /^[\d.]+$|:/.test(name) ? { type: 7 as const, ip: name } : { type: 2 as const, value: name },
  );
  const pems = await selfsigned.generate([{ name: "commonName", value: names[0] ?? "localhost" }], {
    ...ec,
    ca: { cert: ca.cert, key: ca.key },
    extensions: [
      { name: "basicConstraints", cA: false },
      { name: "keyUsage", digitalSignature: true, keyEncipherment: true, critical: true },
      { name: "extKeyUsage", serverAuth: true },
      { name: "subjectAltName", altNames },
    ],
  });
  return { cert: pems.cert, key: pems.private };
}

/** Makes the CA, certificates and files. */
export async function createTestPki(): Promise<TestPki> {
  const ca = await createCa("Palisade Test CA");
  const otherCa = await createCa("Some Other CA");
  const server = await signServerCertificate(ca, ["localhost", "127.0.0.1", "::1"]);
  const dir = await mkdtemp(join(tmpdir(), "palisade-tls-"));
  const files = {
    caFile: join(dir, "ca.pem"),
    certFile: join(dir, "server.pem"),
    keyFile: join(dir, "server-key.pem"),
    otherCaFile: join(dir, "other-ca.pem"),
    otherKeyFile: join(dir, "other-key.pem"),
  };
  await writeFile(files.caFile, ca.cert);
  await writeFile(files.certFile, server.cert);
  await writeFile(files.keyFile, server.key, { mode: 0o600 });
  await writeFile(files.otherCaFile, otherCa.cert);
  await writeFile(files.otherKeyFile, otherCa.key, { mode: 0o600 });
  return { ca, server, otherCa, files, dir, remove: () => rm(dir, { recursive: true, force: true }) };
}
