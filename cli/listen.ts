// Starting a server on an address the user chose: a busy or forbidden port is the user's to fix.
import { createServer } from "node:net";
import { CliError } from "./errors.js";

/** Runs `start`; EADDRINUSE/EACCES/EADDRNOTAVAIL become a CliError naming the address. */
export async function listening<T>(what: string, address: string, start: () => Promise<T>): Promise<T> {
  try {
    return await start();
  } catch (error) {
    const code = (error as NodeJS.ErrnoException | undefined)?.code;
    if (code === "EADDRINUSE") throw new CliError(`${what} cannot listen on ${address}: address already in use`);
    if (code === "EACCES") throw new CliError(`${what} cannot listen on ${address}: permission denied`);
    if (code === "EADDRNOTAVAIL") throw new CliError(`${what} cannot listen on ${address}: address not available`);
    throw error;
  }
}

/**
 * Fails fast when a fixed port is already taken, before slow work (opening and migrating the
 * database) that would end in the same error. Port 0 always passes.
 */
export async function ensureFree(what: string, address: string): Promise<void> {
  const { host, port } = splitAddress(address);
  if (port === 0) return;
  await listening(what, address, async () => {
    const probe = createServer();
    await new Promise<void>((resolve, reject) => {
      probe.once("error", reject);
      probe.listen(port, host, () => resolve());
    });
    await new Promise<void>((resolve) => probe.close(() => resolve()));
  });
}

function splitAddress(address: string): { host: string; port: number } {
  const colon = address.lastIndexOf(":");
  const port = Number(address.slice(colon + 1));
  if (colon < 0 || !Number.isInteger(port) || port < 0 || port > 65_535)
    throw new CliError(`invalid address "${address}" (expected host:port)`);
  return { host: address.slice(0, colon).replace(/^\[(.*)\]$/, "$1"), port };
}
