// How failures read: unreachable servers, refused admin calls, database problems at start-up.
import { describe, expect, it } from "vitest";
import { Code, ConnectError } from "@connectrpc/connect";
import { adminFailure, type CliError, codeName, databaseFailure, systemErrorCode } from "../../cli/errors.js";

function systemError(code: string): Error {
  return Object.assign(new Error(`connect ${code}`), { code });
}

describe("errors", () => {
  it("finds a system error code through causes and aggregate errors", () => {
    expect(systemErrorCode(new Error("outer", { cause: systemError("ECONNREFUSED") }))).toBe("ECONNREFUSED");
    expect(systemErrorCode(new AggregateError([new Error("x"), systemError("EHOSTUNREACH")]))).toBe("EHOSTUNREACH");
    expect(systemErrorCode(systemError("ENOENT"))).toBeUndefined();
  });

  it("words admin API failures by what the user can do", () => {
    const unreachable = new ConnectError(
      "fetch failed",
      Code.Unavailable,
      undefined,
      undefined,
      systemError("ECONNREFUSED"),
    );
    expect((adminFailure(unreachable, "http://cp:7070") as CliError).message).toBe(
      "cannot reach the control plane at http://cp:7070 (ECONNREFUSED)",
    );
    expect((adminFailure(new ConnectError("bad token", Code.Unauthenticated), "x") as CliError).message).toBe(
      "not authorised: bad token (set --token or PALISADE_TOKEN)",
    );
    expect((adminFailure(new ConnectError("no", Code.FailedPrecondition), "x") as CliError).message).toBe(
      "failed_precondition: no",
    );
    const other = new TypeError("a bug");
    expect(adminFailure(other, "x")).toBe(other);
    expect(codeName(Code.InvalidArgument)).toBe("invalid_argument");
  });

  it("words database failures at start-up and leaves other errors alone", () => {
    expect((databaseFailure(systemError("ECONNREFUSED"), true) as CliError).message).toBe(
      "the control plane cannot reach the database of DATABASE_URL (ECONNREFUSED)",
    );
    const postgres = Object.assign(new Error('database "x" does not exist'), { code: "3D000", severity: "FATAL" });
    expect((databaseFailure(postgres, true) as CliError).message).toBe(
      'the database of DATABASE_URL refused: database "x" does not exist (SQLSTATE 3D000)',
    );
    const other = new Error("migration 3 failed");
    expect(databaseFailure(other, false)).toBe(other);
  });
});
