// Settings precedence (flag, then environment, then default), durations and the `up` banner.
import { mkdtemp, readFile, rm, stat, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { generateAdminToken, upAdminToken } from "../../cli/admin-token.js";
import { renderBanner } from "../../cli/commands/up-banner.js";
import { parseDurationSeconds } from "../../cli/duration.js";
import { adminSettings, agentListenAddress, dataDir, listenAddress, serverUrl } from "../../cli/settings.js";

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "palisade-settings-"));
});
afterAll(() => rm(dir, { recursive: true, force: true }));

describe("settings", () => {
  it("takes the flag over the environment over the default", () => {
    expect(listenAddress("0.0.0.0:1", { PALISADE_LISTEN: "0.0.0.0:2" })).toBe("0.0.0.0:1");
    expect(listenAddress(undefined, { PALISADE_LISTEN: "0.0.0.0:2" })).toBe("0.0.0.0:2");
    expect(listenAddress(undefined, { PALISADE_LISTEN: "" })).toBe("127.0.0.1:7070");
    expect(agentListenAddress(undefined, {})).toBe("127.0.0.1:8080");
    expect(dataDir(undefined, {})).toBe("./.palisade");
    expect(adminSettings({}, { PALISADE_DATA_DIR: join(dir, "absent") })).toEqual({
      server: "http://127.0.0.1:7070",
      token: undefined,
    });
    expect(
      adminSettings({ server: "cp:7070", token: "a" }, { PALISADE_SERVER: "http://x", PALISADE_TOKEN: "b" }),
    ).toEqual({ server: "http://cp:7070", token: "a" });
  });

  it("falls back to the data directory's admin-token file after PALISADE_TOKEN", async () => {
    await writeFile(join(dir, "admin-token"), "pat_from_file\n");
    expect(adminSettings({}, { PALISADE_DATA_DIR: dir }).token).toBe("pat_from_file");
    expect(adminSettings({ dataDir: dir }, {}).token).toBe("pat_from_file");
    expect(adminSettings({ dataDir: dir }, { PALISADE_TOKEN: "pat_env" }).token).toBe("pat_env");
    await rm(join(dir, "admin-token"));
  });

  it("normalises server addresses", () => {
    expect(serverUrl("127.0.0.1:7070")).toBe("http://127.0.0.1:7070");
    expect(serverUrl("https://cp.example.com/")).toBe("https://cp.example.com");
  });
});

describe("up's admin token", () => {
  it("generates a pat_ token once, saves it with mode 0600, then reuses it; the environment wins", async () => {
    const data = join(dir, "up");
    await import("node:fs/promises").then((fs) => fs.mkdir(data));
    const first = await upAdminToken({}, data);
    expect(first.source).toBe("generated");
    expect(first.token).toMatch(/^pat_[A-Za-z0-9_-]{43}$/);
    expect((await stat(join(data, "admin-token"))).mode & 0o777).toBe(0o600);
    expect(await readFile(join(data, "admin-token"), "utf8")).toBe(`${first.token}\n`);
    expect(await upAdminToken({}, data)).toEqual({ token: first.token, source: "file" });
    expect(await upAdminToken({ PALISADE_ADMIN_TOKEN: "pat_env" }, data)).toEqual({
      token: "pat_env",
      source: "environment",
    });
    expect(generateAdminToken()).not.toBe(generateAdminToken());
  });
});

describe("durations", () => {
  it.each([
    ["90s", 90],
    ["15m", 900],
    ["1h", 3600],
    ["1h30m", 5400],
    ["7d", 604_800],
  ])("reads %s", (text, seconds) => expect(parseDurationSeconds(text)).toBe(seconds));
  it.each(["", "1", "h", "1 h", "1h 30m", "-1h", "1.5h"])("refuses %j", (text) =>
    expect(() => parseDurationSeconds(text)).toThrow(/invalid duration/),
  );
});

describe("up banner", () => {
  it("shows the addresses, the base URL pattern and each connection's URL, the token and what to run next", () => {
    const text = renderBanner({
      controlPlaneUrl: "http://127.0.0.1:7070",
      agentUrl: "http://127.0.0.1:8080",
      consoleUrl: "http://127.0.0.1:7070/console/sign-in#code=c0de",
      database: "embedded database in ./.palisade",
      dataDir: "./.palisade",
      adminToken: "pat_x",
      adminTokenSource: "generated",
      connections: [{ name: "openai", upstream: "https://api.openai.com" }],
      policies: { count: 1, starterApplied: true },
    });
    expect(text).toContain("Control plane   http://127.0.0.1:7070");
    expect(text).toContain("Web console     http://127.0.0.1:7070/console/sign-in#code=c0de");
    expect(text).toContain("`npx palisade console` prints a new link");
    expect(text).toContain("SDK base URL    http://127.0.0.1:8080/<connection>/v1");
    expect(text).toContain("http://127.0.0.1:8080/openai/v1");
    expect(text).toContain("Admin token     pat_x");
    expect(text).toContain("npx palisade token create --subject you@example.com");
    expect(text).toContain("npx palisade audit list");
    expect(text).toContain("allow-authenticated (created now): every authenticated caller may use every connection");
  });

  it("adds --server and --data-dir to the next commands when they are not the defaults", () => {
    const text = renderBanner({
      controlPlaneUrl: "http://127.0.0.1:17070",
      agentUrl: "http://127.0.0.1:18080",
      consoleUrl: "http://127.0.0.1:17070/console/sign-in#code=c0de",
      database: "embedded",
      dataDir: "/tmp/p",
      adminToken: "pat_x",
      adminTokenSource: "file",
      connections: [],
      policies: { count: 3, starterApplied: false },
    });
    expect(text).toContain("Policies        3 (npx palisade get policies)");
    expect(text).toContain("`npx palisade console --server http://127.0.0.1:17070 --data-dir /tmp/p` prints a new link");
    expect(text).toContain(
      "npx palisade token create --server http://127.0.0.1:17070 --data-dir /tmp/p --subject you@example.com",
    );
  });
});
