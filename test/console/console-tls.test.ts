// The console over HTTPS in Chromium: the page and its RPCs over HTTP/2 (ALPN) on the control
// plane's one TLS port, and the session cookie as `__Host-palisade-console`, Secure, HttpOnly,
// SameSite=Strict. (Chromium does not trust the test CA: certificate errors are ignored.)
import type { Browser } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { launchChromium, newConsolePage, screenshot } from "../support/browser.js";
import { type ControlPlaneBed, palisade, startControlPlaneBed } from "../support/control-plane-bed.js";
import { createTestPki, type TestPki } from "../tls/certificates.js";

describe("console over HTTPS", { tags: ["chromium"] }, () => {
  let pki: TestPki;
  let bed: ControlPlaneBed;
  let browser: Browser;

  beforeAll(async () => {
    pki = await createTestPki();
    [bed, browser] = await Promise.all([
      startControlPlaneBed({ controlPlane: { tls: { certFile: pki.files.certFile, keyFile: pki.files.keyFile } } }),
      launchChromium(),
    ]);
  });
  afterAll(async () => {
    await browser?.close();
    await bed?.close();
    await pki?.remove();
  });

  it("signs in with a __Host- Secure cookie and talks to the admin API over HTTP/2", async () => {
    expect(bed.controlPlane.url).toMatch(/^https:\/\//);
    const link = (await palisade({ ...bed.env, PALISADE_CA_FILE: pki.files.caFile }, ["console"])).trim();
    const { context, page, errors } = await newConsolePage(browser, { ignoreHTTPSErrors: true });
    await page.goto(link);
    await page.getByTestId("caller").filter({ hasText: "admin-token:bootstrap" }).waitFor();
    const cookies = await context.cookies(bed.controlPlane.url);
    expect(cookies.map(({ name, secure, httpOnly, sameSite, path }) => ({ name, secure, httpOnly, sameSite, path }))).toEqual([
      { name: "__Host-palisade-console", secure: true, httpOnly: true, sameSite: "Strict", path: "/" },
    ]);
    await page.getByRole("navigation", { name: "Console" }).getByRole("link", { name: "Sessions" }).click();
    await page.getByText("No session matches.").waitFor();
    const protocols = await page.evaluate(() => [
      ...performance.getEntriesByType("navigation"),
      ...performance.getEntriesByType("resource").filter((entry) => entry.name.includes("/palisade.admin.v1.")),
    ].map((entry) => (entry as PerformanceResourceTiming).nextHopProtocol));
    expect(protocols.length).toBeGreaterThan(1);
    expect(new Set(protocols)).toEqual(new Set(["h2"]));
    await screenshot(page, "sessions-https");
    expect(errors).toEqual([]);
    await context.close();
  });
});
