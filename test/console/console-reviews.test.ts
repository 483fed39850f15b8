// The console's reviews in a real browser (Debian's Chromium): an admin signs in with the one-time
// link `palisade console` prints, sees a held request appear while the real openai client waits,
// approves it (the client's call completes) and denies another with a reason (the client gets it).
import type { Browser, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { eventually } from "../support/eventually.js";
import { type ReviewBed, startReviewBed } from "../reviews/review-bed.js";
import { palisade } from "../support/stack.js";
import { accessibilityProblems, launchChromium, newConsolePage, screenshot } from "../support/browser.js";

describe("console: reviews in the browser", { tags: ["chromium"] }, () => {
  let bed: ReviewBed;
  let browser: Browser;
  let page: Page;
  let errors: string[];
  const forwarded = (text: string) => bed.stack.provider.requests.filter((request) => request.body.includes(text)).length;

  beforeAll(async () => {
    // The caller waits up to 25 s while held: long enough for a person (here, the browser) to decide.
    [bed, browser] = await Promise.all([startReviewBed({ agentName: "console-reviews", wait: "25s" }), launchChromium()]);
    ({ page, errors } = await newConsolePage(browser));
  });
  afterAll(async () => {
    await browser?.close();
    await bed?.close();
  });

  it("signs in once with the link palisade console prints; the link does not work twice", async () => {
    const url = (await palisade(bed.stack.env, ["console"])).trim();
    expect(url).toMatch(new RegExp(`^${bed.stack.controlPlane.url}/console/sign-in#code=[\\w-]{43}$`));
    await page.goto(`${bed.stack.controlPlane.url}/console/sign-in`);
    await page.getByRole("heading", { name: "Sign in" }).waitFor();
    await screenshot(page, "sign-in");

    await page.goto(url);
    await page.getByRole("heading", { name: "Reviews", level: 1 }).waitFor();
    expect(new URL(page.url()).pathname).toBe("/console/reviews");
    // The code left the address bar and history.
    expect(page.url()).not.toContain("code=");
    await expect(page.getByTestId("caller").textContent()).resolves.toBe(`admin-token:bootstrap`);

    // The same link in another browser context is refused.
    const other = await newConsolePage(browser);
    await other.page.goto(url);
    await other.page.getByText("This sign-in link does not work").waitFor();
    await other.context.close();
  });

  it("shows a held request while the caller waits; approving it completes the openai call", async () => {
    const answer = bed.ask("my credit card is due, mail me at rita@example.com (console-approve)");
    // The list updates by itself: no reload.
    const row = page.getByRole("row").filter({ hasText: "(console-approve)" });
    await row.waitFor();
    await expect(row.textContent()).resolves.toContain(bed.subject);
    await expect(row.textContent()).resolves.not.toContain("rita@example.com");
    await screenshot(page, "reviews");
    expect(await accessibilityProblems(page)).toEqual([]);
    expect(forwarded("(console-approve)")).toBe(0);

    await row.getByRole("link").first().click();
    await page.getByTestId("review-state").filter({ hasText: "pending" }).waitFor();
    await expect(page.getByTestId("review-prompt").textContent()).resolves.toContain("credit card");
    await screenshot(page, "review");
    // The decision form too: labels, names and contrast (WCAG 2.1 A/AA, axe-core).
    expect(await accessibilityProblems(page)).toEqual([]);
    // By keyboard alone: the reason, then Tab to Approve and Enter.
    await page.getByLabel(/Reason/).focus();
    await page.keyboard.type("ticket 42");
    await page.keyboard.press("Tab");
    await expect(page.evaluate(() => document.activeElement?.textContent)).resolves.toBe("Approve");
    await page.keyboard.press("Enter");
    await page.getByRole("status").filter({ hasText: "Approved" }).waitFor();
    await page.getByTestId("review-state").filter({ hasText: "approved" }).waitFor();

    expect(await answer).toEqual({ status: 200, message: "" });
    expect(forwarded("(console-approve)")).toBe(1);
    const id = new URL(page.url()).pathname.split("/").at(-1)!;
    // The review's webhook payload links to this very page.
    const call = await eventually("the webhook call", async () => bed.webhook.find((entry) => entry.body.review.id === id));
    expect((call.body.decide as { console?: string }).console).toBe(`${bed.stack.controlPlane.url}/console/reviews/${id}`);
  });

  it("denies with a reason, which the caller's SDK raises", async () => {
    await page.getByRole("navigation", { name: "Console" }).getByRole("link", { name: "Reviews" }).click();
    const answer = bed.ask("credit card please (console-deny)");
    const row = page.getByRole("row").filter({ hasText: "(console-deny)" });
    await row.waitFor();
    await row.getByRole("link").first().click();
    await page.getByRole("button", { name: "Deny" }).click();
    // No reason: the console asks for one before calling the API.
    await page.getByRole("alert").filter({ hasText: "needs a reason" }).waitFor();
    await page.getByLabel(/Reason/).fill("no card data to this model");
    await page.getByRole("button", { name: "Deny" }).click();
    await page.getByTestId("review-state").filter({ hasText: "denied" }).waitFor();
    const refused = await answer;
    expect(refused.status).toBe(403);
    expect(refused.message).toContain("no card data to this model");
    expect(forwarded("(console-deny)")).toBe(0);
    await screenshot(page, "review-denied");
    expect(errors).toEqual([]);
  });
});
