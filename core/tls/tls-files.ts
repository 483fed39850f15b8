// Certificate, key and CA files for TLS, read once at start. A file that is missing, is not PEM,
// or a key that does not belong to its certificate fails the start with a message naming the file,
// rather than an OpenSSL error at the first handshake. Shared by the control plane and the agent.
import { createPrivateKey, X509Certificate, type KeyObject } from "node:crypto";
import { readFile } from "node:fs/promises";

/** Paths of a PEM certificate (chain, leaf first) and its PEM private key. */
export interface TlsFiles {
  certFile: string;
  keyFile: string;
}

/** A certificate chain and its key, as PEM bytes. */
export interface KeyPair {
  cert: Buffer;
  key: Buffer;
}

/** A TLS file that cannot be used; its message says which file and why. */
export class TlsFileError extends Error {
  readonly code = "ERR_PALISADE_TLS_FILE";
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = "TlsFileError";
  }
}

/** Reads `files` for `what` ("the control plane"); throws TlsFileError unless they make a pair. */
export async function readKeyPair(files: TlsFiles, what: string): Promise<KeyPair> {
  const cert = await readPem(files.certFile, `${what}'s TLS certificate`);
  const key = await readPem(files.keyFile, `${what}'s TLS key`);
  const leaf = parseCertificate(cert, files.certFile, `${what}'s TLS certificate`);
  let privateKey: KeyObject;
  try {
    privateKey = createPrivateKey(key);
  } catch (error) {
    throw new TlsFileError(`${what}'s TLS key "${files.keyFile}" is not an unencrypted PEM private key`, { cause: error });
  }
  if (!leaf.checkPrivateKey(privateKey)) {
    throw new TlsFileError(`${what}'s TLS key "${files.keyFile}" does not belong to the certificate "${files.certFile}"`);
  }
  return { cert, key };
}

/** Reads a CA bundle (one or more PEM certificates) trusted to sign `what`'s certificate. */
export async function readCaFile(file: string, what: string): Promise<Buffer> {
  const ca = await readPem(file, `the CA file for ${what}`);
  parseCertificate(ca, file, `the CA file for ${what}`);
  return ca;
}

async function readPem(file: string, what: string): Promise<Buffer> {
  try {
    return await readFile(file);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code ?? String(error);
    throw new TlsFileError(`cannot read ${what} "${file}" (${code})`, { cause: error });
  }
}

// X509Certificate reads the first certificate of a PEM bundle; enough to tell a certificate file
// from something else, and the first is the leaf in a server's chain.
function parseCertificate(pem: Buffer, file: string, what: string): X509Certificate {
  try {
    return new X509Certificate(pem);
  } catch (error) {
    throw new TlsFileError(`${what} "${file}" is not a PEM certificate`, { cause: error });
  }
}
