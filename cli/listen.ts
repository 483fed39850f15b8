// Starting a server on an address the user chose: a busy or forbidden port is the user's to fix.
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
