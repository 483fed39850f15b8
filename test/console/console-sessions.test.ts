// The console's sessions, sign-in with an identity provider, and the other pages, in a real
// browser (Debian's Chromium): a viewer signs in with a real OpenID Provider (authorization code +
// PKCE) and sees sessions without bodies; an admin searches, opens a session with its bodies and
// replays its stream, lifts a block, and sees alerts, usage and the audit log verified; forged and
// expired console sessions are refused.
import OpenAI from "openai";
import type { Browser, BrowserContext, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { eventually } from "../support/eventually.js";
import { accessibilityProblems, launchChromium, newConsolePage, screenshot } from "../support/browser.js";
import { CONSOLE_CLIENT_ID, type LoginProvider, startLoginProvider } from "../support/oidc-login-provider.js";
import { palisade, type Stack, startStack } from "../support/stack.js";

const HOUR = 3_600_000;

describe("console: sessions, sign-in and the other pages in the browser", { tags: ["chromium"] }, () => {
  let stack: Stack;
  let idp: LoginProvider;
  let browser: Browser;
  let streamed = "";
  // The console's clock: moved forward to expire a session.
  let clockOffsetMs = 0;
  const openai = (apiKey: string) => new OpenAI({ baseURL: stack.baseURL, apiKey, maxRetries: 0 });

  beforeAll(async () => {
    [stack, browser] = await Promise.all([
      // A checkpoint every few entries, so that the audit page has one to show.
      startStack({ agentName: "console-sessions", controlPlane: { consoleClock: () => new Date(Date.now() + clockOffsetMs), auditCheckpoints: { everyEntries: 5 } } }),
      launchChromium(),
    ]);
    idp = await startLoginProvider(`${stack.controlPlane.url}/console/callback`, { vera: ["viewers"] });
    await palisade(stack.env, ["apply", "-f", "-"], `kind: IdentityProvider
name: corp
issuer: ${idp.issuer}
audience: palisade
console: { clientId: ${CONSOLE_CLIENT_ID}, scopes: [openid, groups] }
---
kind: RoleBinding
name: viewers
role: viewer
groups: [viewers]
---
kind: AlertRule
name: burst
requestRateSpike: { window: 1m, baseline: 1h, factor: 1, minRequests: 3 }
autoBlock: { for: 1h }
`);
    const client = openai(stack.callerToken);
    await client.chat.completions.create({ model: "gpt-test", messages: [{ role: "user", content: "what is the invoice total (plainmarker)" }] });
    const stream = await client.chat.completions.create(
      { model: "gpt-test", stream: true, messages: [{ role: "user", content: "tell me a short story (streammarker)" }] },
      { headers: { "x-stand-in-chunk-delay-ms": "30" } },
    );
    for await (const chunk of stream) streamed += chunk.choices[0]?.delta.content ?? "";
    // A burst of requests from another caller: the alert rule fires and blocks it.
    const mallory = (await palisade(stack.env, ["token", "create", "--subject", "mallory@example.com"])).trim();
    for (let i = 0; i < 3; i++) await openai(mallory).models.list();
    await eventually("mallory's block", async () => ((await palisade(stack.env, ["blocks", "-o", "json"])).includes("mallory@example.com") ? true : undefined));
  });
  afterAll(async () => {
    await browser?.close();
    await idp?.close();
    await stack?.close();
  });

  /** A fresh browser context signed in with a one-time admin link. */
  async function signInAsAdmin(): Promise<{ context: BrowserContext; page: Page; errors: string[] }> {
    const opened = await newConsolePage(browser);
    await opened.page.goto((await palisade(stack.env, ["console"])).trim());
    await opened.page.getByTestId("caller").filter({ hasText: "admin-token:bootstrap" }).waitFor();
    return opened;
  }

  it("a viewer signs in with the identity provider (code + PKCE) and sees sessions but never their bodies", async () => {
    const { context, page, errors } = await newConsolePage(browser);
    await page.goto(`${stack.controlPlane.url}/console/sessions`);
    await page.getByRole("button", { name: "Sign in with corp" }).click();
    // The provider's own login and consent pages.
    await page.locator("input[name=login]").fill("vera");
    await page.locator("input[name=password]").fill("any");
    await page.getByRole("button", { name: "Sign-in" }).click();
    await page.getByRole("button", { name: "Continue" }).click();
    // Back in the console, on the page the sign-in started from, as vera with the viewer role.
    await page.getByTestId("caller").filter({ hasText: "vera" }).waitFor();
    expect(new URL(page.url()).pathname).toBe("/console/sessions");
    await expect(page.locator("header .who").textContent()).resolves.toContain("(viewer)");
    // Viewers read no reviews and search no text: the console does not offer either.
    expect(await page.getByRole("navigation", { name: "Console" }).getByRole("link", { name: "Reviews" }).count()).toBe(0);
    expect(await page.getByLabel("Text in prompts and responses").count()).toBe(0);

    await page.getByLabel("Subject").fill("console-sessions@example.com");
    await page.getByLabel("Model").fill("gpt-test");
    await page.getByRole("button", { name: "Search" }).click();
    const rows = page.getByRole("table", { name: "Sessions found" }).getByRole("row");
    await eventually("two sessions listed", async () => ((await rows.count()) === 3 ? true : undefined));
    await rows.nth(2).getByRole("link").click();
    await page.getByTestId("contents-withheld").waitFor();
    const text = await page.locator("main").textContent();
    expect(text).not.toContain("plainmarker");
    expect(text).not.toContain("streammarker");
    await screenshot(page, "session-viewer");
    expect(errors).toEqual([]);
    await context.close();
  });

  it("an admin searches by text, opens the session with prompt and response, and replays the stream", async () => {
    const { context, page, errors } = await signInAsAdmin();
    await page.getByRole("navigation", { name: "Console" }).getByRole("link", { name: "Sessions" }).click();
    await page.getByRole("table", { name: "Sessions found" }).waitFor();
    await screenshot(page, "sessions");
    await page.getByLabel("Text in prompts and responses").fill("streammarker");
    await page.getByRole("button", { name: "Search" }).click();
    const rows = page.getByRole("table", { name: "Sessions found" }).getByRole("row");
    await eventually("one session found", async () => ((await rows.count()) === 2 && new URL(page.url()).search.includes("text=") ? true : undefined));
    await rows.nth(1).getByRole("link").click();
    await expect(page.getByTestId("request-body").textContent()).resolves.toContain("streammarker");
    await page.getByLabel("Speed").selectOption("10");
    await page.getByRole("button", { name: "Play" }).click();
    // Every recorded write shown, at its pace: the SSE events the client got, through [DONE].
    await eventually("the replay to end", async () => (/^([1-9]\d*) \/ \1$/.test((await page.getByTestId("replay-progress").textContent()) ?? "") ? true : undefined));
    // Shown as the text the caller's SDK put together, and as the events as sent.
    expect(await page.getByTestId("replay-output").textContent()).toBe(streamed);
    await page.getByLabel("Show").selectOption("events");
    const events = (await page.getByTestId("replay-output").textContent()) ?? "";
    expect(events).toContain("data: [DONE]");
    for (const word of streamed.trim().split(/\s+/)) expect(events).toContain(word);
    await page.getByLabel("Show").selectOption("text");
    await screenshot(page, "session");
    expect(errors).toEqual([]);
    await context.close();
  });

  it("an admin sees the alert with its evidence, lifts the block, and sees usage and the audit log verified", async () => {
    const { context, page, errors } = await signInAsAdmin();
    const nav = page.getByRole("navigation", { name: "Console" });
    await nav.getByRole("link", { name: "Alerts" }).click();
    const alert = page.getByRole("row").filter({ hasText: "mallory@example.com" });
    await alert.waitFor();
    await expect(alert.textContent()).resolves.toContain("burst");
    await screenshot(page, "alerts");

    await nav.getByRole("link", { name: "Blocks" }).click();
    await page.getByRole("row").filter({ hasText: "mallory@example.com" }).waitFor();
    await screenshot(page, "blocks");
    page.once("dialog", (dialog) => void dialog.accept());
    await page.getByRole("button", { name: "Unblock mallory@example.com" }).click();
    await page.getByRole("status").filter({ hasText: "Lifted the block of mallory@example.com" }).waitFor();
    expect(await palisade(stack.env, ["blocks", "-o", "json"])).not.toContain("mallory@example.com");

    await nav.getByRole("link", { name: "Usage" }).click();
    await page.getByRole("img", { name: /Tokens per subject/ }).waitFor();
    await expect(page.getByRole("img", { name: /Tokens per subject/ }).getAttribute("aria-label")).resolves.toContain("console-sessions@example.com");
    await screenshot(page, "usage");

    await nav.getByRole("link", { name: "Audit log" }).click();
    await page.getByRole("button", { name: "Verify the whole log" }).click();
    await page.getByTestId("verify-result").filter({ hasText: "Intact." }).waitFor();
    await expect(page.getByTestId("last-checkpoint").textContent()).resolves.toMatch(/Newest verified checkpoint: entry \d+, signed .* by key \S+/);
    await screenshot(page, "audit");
    expect(errors).toEqual([]);
    await context.close();
  });

  it("every page passes axe-core's WCAG 2.1 A and AA checks (labels, names, contrast, structure)", async () => {
    const { context, page } = await signInAsAdmin();
    const base = stack.controlPlane.url;
    const pages: Array<[string, () => Promise<unknown>]> = [
      ["/console/reviews", () => page.getByRole("heading", { name: "Pending" }).waitFor()],
      ["/console/sessions", () => page.getByRole("table", { name: "Sessions found" }).waitFor()],
      ["/console/alerts", () => page.getByRole("row").filter({ hasText: "mallory@example.com" }).waitFor()],
      ["/console/blocks", () => page.getByRole("heading", { name: "Blocks" }).waitFor()],
      ["/console/usage", () => page.getByRole("img", { name: /Tokens per subject/ }).waitFor()],
      ["/console/audit", () => page.getByRole("button", { name: "Verify the whole log" }).waitFor()],
    ];
    const problems: string[] = [];
    for (const [path, ready] of pages) {
      await page.goto(`${base}${path}`);
      await ready();
      problems.push(...(await accessibilityProblems(page)).map((problem) => `${path}: ${problem}`));
    }
    // A session with its bodies and replay, and the sign-in page.
    await page.goto(`${base}/console/sessions?text=streammarker`);
    await page.getByRole("table", { name: "Sessions found" }).getByRole("link").first().click();
    await page.getByTestId("request-body").waitFor();
    problems.push(...(await accessibilityProblems(page)).map((problem) => `session: ${problem}`));
    const signIn = await newConsolePage(browser);
    await signIn.page.goto(`${base}/console/sign-in`);
    await signIn.page.getByRole("button", { name: "Sign in with corp" }).waitFor();
    problems.push(...(await accessibilityProblems(signIn.page)).map((problem) => `sign-in: ${problem}`));
    expect(problems).toEqual([]);
    await signIn.context.close();
    await context.close();
  }, 90_000); // axe over every page in Chromium: tens of seconds on a loaded 2-core machine

  it("refuses a forged session cookie, a cookie without the console header, and an expired session", async () => {
    const base = stack.controlPlane.url;
    const getCaller = (context: BrowserContext, headers: Record<string, string>) =>
      context.request.post(`${base}/palisade.admin.v1.ConsoleService/GetCaller`, { headers: { "content-type": "application/json", ...headers }, data: "{}" });

    const forged = await newConsolePage(browser);
    await forged.context.addCookies([{ name: "palisade-console", value: "forged-0123456789abcdefghijklmnopqrstuvwxyzABCD", url: base }]);
    await forged.page.goto(`${base}/console/sessions`);
    await forged.page.getByText("Your console session ended or is not valid").waitFor();
    expect((await getCaller(forged.context, { "palisade-console": "1" })).status()).toBe(401);
    await screenshot(forged.page, "sign-in-refused");
    await forged.context.close();

    const { context, page } = await signInAsAdmin();
    expect((await getCaller(context, { "palisade-console": "1" })).status()).toBe(200);
    // The cookie alone is not enough: a page of another origin cannot add the header.
    expect((await getCaller(context, {})).status()).toBe(401);
    clockOffsetMs = 9 * HOUR;
    await page.reload();
    await page.getByText("Your console session ended or is not valid").waitFor();
    expect((await getCaller(context, { "palisade-console": "1" })).status()).toBe(401);
    clockOffsetMs = 0;
    await context.close();
  });
});
