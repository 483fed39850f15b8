// A real browser for the console's tests: Debian's Chromium driven by playwright-core, one browser
// per test file, laptop-sized pages, and screenshots under test-results/console/ for people to look
// at. Browser tests never skip: without Chromium they fail saying how to install it.
import { AxeBuilder } from "@axe-core/playwright";
import { existsSync } from "node:fs";
import { mkdir } from "node:fs/promises";
import { join } from "node:path";
import { type Browser, type BrowserContext, chromium, type Page } from "playwright-core";
import { CONSOLE_DIST } from "../../control-plane/console/console-assets.js";

/** Where Chromium is (PALISADE_CHROMIUM overrides Debian's path). */
export const CHROMIUM = process.env.PALISADE_CHROMIUM ?? "/usr/bin/chromium";

/** Where screenshots go (gitignored). */
export const SCREENSHOTS = join(process.cwd(), "test-results", "console");

/** A laptop screen. */
export const VIEWPORT = { width: 1366, height: 768 };

const FLAGS = [
  "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
  "--disable-background-networking", "--disable-component-update", "--disable-sync",
];

/** Starts Chromium (a fresh temporary profile, which playwright makes per launch). */
export async function launchChromium(): Promise<Browser> {
  if (!existsSync(CHROMIUM)) {
    throw new Error(`Chromium is not installed at ${CHROMIUM}: run \`apt-get install -y chromium\` (as root). The console's browser tests do not skip.`);
  }
  // Without a build the control plane answers /console/ with 503: say so rather than time out.
  if (!existsSync(join(CONSOLE_DIST, "index.html"))) {
    throw new Error(`the web console is not built (${CONSOLE_DIST} has no index.html): run \`npm run build\` (npm install does it)`);
  }
  await mkdir(SCREENSHOTS, { recursive: true });
  return chromium.launch({ executablePath: CHROMIUM, args: FLAGS, headless: true });
}

/** A fresh context (no cookies) with a laptop viewport; page errors fail loudly through `errors`. */
export async function newConsolePage(
  browser: Browser,
  options: { ignoreHTTPSErrors?: boolean } = {},
): Promise<{ context: BrowserContext; page: Page; errors: string[] }> {
  const context = await browser.newContext({ viewport: VIEWPORT, locale: "en-GB", timezoneId: "UTC", ...options });
  // Waits end well within a test's time, naming what did not appear.
  context.setDefaultTimeout(10_000);
  const page = await context.newPage();
  const errors: string[] = [];
  page.on("pageerror", (error) => errors.push(error.message));
  // A CSP violation is reported on the console as an error: the tests check there is none.
  page.on("console", (message) => { if (message.type() === "error" && /Content Security Policy/i.test(message.text())) errors.push(message.text()); });
  return { context, page, errors };
}

/** Saves a full-page screenshot as test-results/console/NAME.png. */
export async function screenshot(page: Page, name: string): Promise<void> {
  await page.screenshot({ path: join(SCREENSHOTS, `${name}.png`), fullPage: true });
}

/**
 * The WCAG 2.1 A and AA problems axe-core (Deque's engine) finds on the page as it is now — labels,
 * names, contrast, landmarks, keyboard traps — one line each: "rule: what (N elements)".
 */
export async function accessibilityProblems(page: Page): Promise<string[]> {
  const { violations } = await new AxeBuilder({ page }).withTags(["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]).analyze();
  return violations.map((violation) => `${violation.id}: ${violation.help} (${violation.nodes.length} elements: ${violation.nodes.map((node) => node.target.join(" ")).slice(0, 3).join(", ")})`);
}
