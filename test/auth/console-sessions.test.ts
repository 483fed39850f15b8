// Console sign-in at the API: one-time links, the session cookie and its header, expiry on an
// injected clock, sign-out, sessions of people whose roles follow the RoleBindings, and the audit
// entries of signing in. (The browser side is test/console/.)
import { Code, ConnectError } from "@connectrpc/connect";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ConsoleService } from "../../gen/palisade/admin/v1/console_service_pb.js";
import { AuditLogService } from "../../gen/palisade/admin/v1/audit_log_service_pb.js";
import { ResourceService } from "../../gen/palisade/admin/v1/resource_service_pb.js";
import { ReviewService } from "../../gen/palisade/admin/v1/review_service_pb.js";
import { Role } from "../../gen/palisade/admin/v1/resources_pb.js";
import { SessionService } from "../../gen/palisade/admin/v1/session_service_pb.js";
import { bootstrapAdminToken } from "../../control-plane/auth/admin-tokens.js";
import { hashToken } from "../../control-plane/auth/token-hash.js";
import { ADMIN_TOKEN, type AuthHarness, startAuthHarness } from "./auth-harness.js";
import { BINDINGS } from "./fixtures.js";

const MINUTE = 60_000;

describe("console sessions at the admin API", () => {
  let h: AuthHarness;
  let offsetMs = 0;
  const anonymous = () => h.client(ConsoleService, null);
  const withCookie = (secret: string, header = true) =>
    h.client(ConsoleService, null, { cookie: `other=1; palisade-console=${secret}`, ...(header ? { "palisade-console": "1" } : {}) });
  const code = async (error: Promise<unknown>) => ConnectError.from(await error.then(() => undefined, (e: unknown) => e)).code;

  /** Signs in with a fresh link; returns the cookie's secret and its Set-Cookie line. */
  async function signInWithLink(): Promise<{ secret: string; setCookie: string }> {
    const link = await h.client(ConsoleService, ADMIN_TOKEN).createSignInLink({});
    await anonymous().signIn({ method: { case: "linkCode", value: link.code } });
    const setCookie = h.lastHeaders()?.get("set-cookie") ?? "";
    const secret = /^palisade-console=([^;]+)/.exec(setCookie)?.[1];
    expect(secret, setCookie).toBeDefined();
    return { secret: secret!, setCookie };
  }

  beforeAll(async () => {
    h = await startAuthHarness({ consoleNow: () => new Date(Date.now() + offsetMs) });
    await h.client(ResourceService, ADMIN_TOKEN).apply({ resources: BINDINGS });
    await h.snapshots.refresh();
  });
  afterAll(async () => { await h?.close(); });

  it("a link signs in once, as an HttpOnly SameSite=Strict cookie, and the session holds the admin role", async () => {
    const link = await h.client(ConsoleService, ADMIN_TOKEN).createSignInLink({});
    expect(link.path).toBe(`/console/sign-in#code=${link.code}`);
    const signedIn = await anonymous().signIn({ method: { case: "linkCode", value: link.code } });
    expect(signedIn.caller).toMatchObject({ actor: "admin-token:bootstrap", roles: [Role.ADMIN] });
    const setCookie = h.lastHeaders()?.get("set-cookie") ?? "";
    expect(setCookie).toMatch(/^palisade-console=[\w-]{43}; Path=\/; Expires=[^;]+; HttpOnly; SameSite=Strict$/);
    expect(await code(anonymous().signIn({ method: { case: "linkCode", value: link.code } }))).toBe(Code.Unauthenticated);

    const secret = /^palisade-console=([^;]+)/.exec(setCookie)![1]!;
    const { caller, sessionExpireTime } = await withCookie(secret).getCaller({});
    expect(caller).toMatchObject({ actor: "admin-token:bootstrap", roles: [Role.ADMIN] });
    expect(Number(sessionExpireTime!.seconds) * 1000 - Date.now()).toBeGreaterThan(7.9 * 60 * MINUTE);
    // The session reaches every admin service, not only the console's.
    const sessions = h.client(SessionService, null, { cookie: `palisade-console=${secret}`, "palisade-console": "1" });
    await expect(sessions.listSessions({})).resolves.toBeDefined();
  });

  it("refuses the cookie without the console header, a forged cookie, and links made by caller JWTs", async () => {
    const { secret } = await signInWithLink();
    expect(await code(withCookie(secret, false).getCaller({}))).toBe(Code.Unauthenticated);
    const forged = await withCookie("forged-0123456789abcdefghijklmnopqrstuvwxyzABCD").getCaller({}).catch((e: unknown) => ConnectError.from(e));
    expect(forged).toMatchObject({ code: Code.Unauthenticated, rawMessage: expect.stringContaining("console session unknown or expired") });
    const admin = h.client(ConsoleService, await h.token("ada", ["palisade-admins"]));
    expect(await code(admin.createSignInLink({}))).toBe(Code.PermissionDenied);
    expect(await code(h.client(ConsoleService, ADMIN_TOKEN).createSignInLink({ ttl: { seconds: 7200n } }))).toBe(Code.InvalidArgument);
  });

  it("expires links after their ttl and sessions after 8 hours, on the injected clock", async () => {
    const link = await h.client(ConsoleService, ADMIN_TOKEN).createSignInLink({ ttl: { seconds: 60n } });
    const { secret } = await signInWithLink();
    offsetMs = 2 * MINUTE;
    try {
      expect(await code(anonymous().signIn({ method: { case: "linkCode", value: link.code } }))).toBe(Code.Unauthenticated);
      await expect(withCookie(secret).getCaller({})).resolves.toBeDefined();
      offsetMs = 8 * 60 * MINUTE + 1000;
      expect(await code(withCookie(secret).getCaller({}))).toBe(Code.Unauthenticated);
    } finally {
      offsetMs = 0;
    }
  });

  it("signing out ends the session and clears the cookie", async () => {
    const { secret } = await signInWithLink();
    await withCookie(secret).signOut({});
    expect(h.lastHeaders()?.get("set-cookie")).toMatch(/^palisade-console=; Path=\/; Expires=Thu, 01 Jan 1970 00:00:00 GMT; HttpOnly; SameSite=Strict$/);
    expect(await code(withCookie(secret).getCaller({}))).toBe(Code.Unauthenticated);
  });

  it("a person's session holds the roles their bindings give now, and ends with their issuer or admin token", async () => {
    const issuer = h.snapshots.current("").issuers[0]!.issuer;
    const person = await h.consoleSessions.createSession({ kind: "identity", subject: "april", issuer, groups: ["approvers"] });
    const { caller } = await withCookie(person.secret).getCaller({});
    expect(caller).toMatchObject({ actor: "april", roles: [Role.APPROVER], subject: "april", groups: ["approvers"] });
    // The API decides with those roles, as it would for the person's token.
    const as = { cookie: `palisade-console=${person.secret}`, "palisade-console": "1" };
    await expect(h.client(ReviewService, null, as).listReviews({})).resolves.toBeDefined();
    expect(await code(h.client(AuditLogService, null, as).verifyLog({}))).toBe(Code.PermissionDenied);

    const stranger = await h.consoleSessions.createSession({ kind: "identity", subject: "eve", issuer: "https://gone.example.com", groups: ["approvers"] });
    expect(await code(withCookie(stranger.secret).getCaller({}))).toBe(Code.Unauthenticated);
    const ghost = await h.consoleSessions.createSession({ kind: "admin-token", adminToken: "deleted-token", tokenHash: hashToken("pat_deleted") });
    expect(await code(withCookie(ghost.secret).getCaller({}))).toBe(Code.Unauthenticated);
  });

  it("ends the sessions and links of an admin token when it is replaced, and makes no link from a session (it would outlive the token)", async () => {
    const { secret } = await signInWithLink();
    const unused = await h.client(ConsoleService, ADMIN_TOKEN).createSignInLink({});
    // A session renewing itself through links would hold admin for ever, whatever happens to its token.
    expect(await code(withCookie(secret).createSignInLink({}))).toBe(Code.PermissionDenied);
    // The operator replaces a leaked token (PALISADE_ADMIN_TOKEN set anew at the next start).
    await bootstrapAdminToken(h.db, "pat_replacement-admin-token");
    try {
      expect(await code(withCookie(secret).getCaller({}))).toBe(Code.Unauthenticated);
      expect(await code(anonymous().signIn({ method: { case: "linkCode", value: unused.code } }))).toBe(Code.Unauthenticated);
      const fresh = await h.client(ConsoleService, "pat_replacement-admin-token").createSignInLink({});
      await expect(anonymous().signIn({ method: { case: "linkCode", value: fresh.code } })).resolves.toBeDefined();
    } finally {
      await bootstrapAdminToken(h.db, ADMIN_TOKEN);
    }
  });

  it("records signing in (as who signed in), signing out and making links in the audit chain, never a code", async () => {
    const entries = await h.db.em().execute<Array<{ subject: string; payload: { rpc: string; request: Record<string, unknown> } }>>(
      "select subject, payload from audit_log where type = 'admin' and payload->>'rpc' like 'palisade.admin.v1.ConsoleService/%' order by seq");
    const rpcs = entries.map((entry) => `${entry.payload.rpc.split("/")[1]} ${entry.subject}`);
    expect(rpcs).toContain("CreateSignInLink admin-token:bootstrap");
    expect(rpcs).toContain("SignIn admin-token:bootstrap");
    expect(rpcs).toContain("SignOut admin-token:bootstrap");
    expect(JSON.stringify(entries)).not.toMatch(/linkCode|"code"/);
  });
});
