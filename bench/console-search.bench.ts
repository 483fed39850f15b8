// The web console's session search on 10,000 stored sessions, as a person sees it: Chromium
// (Debian's, through playwright-core) on the console's Sessions page against a real control plane
// on PostgreSQL, each figure from the click (or navigation) until the page shows the new results.
// Searches are the server's (ListSessions, 50 a page); nothing is filtered in the browser.
import { createClient } from "@connectrpc/connect";
import { createConnectTransport } from "@connectrpc/connect-node";
import pg from "pg";
import type { Page } from "playwright-core";
import { startControlPlane } from "../control-plane/control-plane.js";
import { ConsoleService } from "../gen/palisade/admin/v1/console_service_pb.js";
import { launchChromium, newConsolePage } from "../test/support/browser.js";
import { testDatabase } from "../test/support/database.js";
import { percentile, timeMs, type Bench, type Metric } from "./bench.js";
import { fillSessionsSql, INDEX_FILLED_SESSIONS_SQL, TOPICS } from "./session-fill.js";

const ROWS = Number(process.env.CONSOLE_SEARCH_ROWS ?? 10_000);
const RUNS = Number(process.env.CONSOLE_SEARCH_RUNS ?? 20);
const ADMIN_TOKEN = "pat_console-search-bench-0123456789";
const RESULTS = 'table[aria-label="Sessions found"] tbody tr';

// The results table shows rows, the first containing `text`, and nothing is loading.
async function resultsFor(page: Page, text: string, notFirst?: string): Promise<void> {
  await page.waitForFunction(([selector, wanted, before]) => {
    const rows = document.querySelectorAll(selector!);
    const first = rows[0]?.textContent ?? "";
    return rows.length > 0 && first.includes(wanted!) && first !== before && !document.querySelector("main [aria-busy=true]");
  }, [RESULTS, text, notFirst ?? "\u0000"]);
}

// `step` prepares (not timed) and returns the timed part.
async function measure(name: string, step: (i: number) => Promise<() => Promise<void>>): Promise<Metric[]> {
  await (await step(0))(); // warm
  const samples: number[] = [];
  for (let i = 1; i <= RUNS; i++) {
    const timed = await step(i);
    samples.push(await timeMs(timed));
  }
  const note = `${RUNS} runs, ${ROWS.toLocaleString("en")} sessions, Chromium`;
  return [
    { name: `${name} p50`, value: percentile(samples, 50), unit: "ms", note },
    { name: `${name} p95`, value: percentile(samples, 95), unit: "ms", note },
  ];
}

const bench: Bench = {
  description: `console Sessions page over ${ROWS.toLocaleString("en")} sessions in Chromium (p50/p95 from click to results)`,
  async run() {
    const database = await testDatabase("postgres");
    if (!database.url) throw new Error("the console search bench needs PostgreSQL on 127.0.0.1:5432");
    const controlPlane = await startControlPlane({
      listen: "127.0.0.1:0", databaseUrl: database.url, secretKey: Buffer.alloc(32, 7).toString("base64"), adminToken: ADMIN_TOKEN,
    });
    const browser = await launchChromium();
    try {
      const fill = new pg.Client({ connectionString: database.url });
      await fill.connect();
      try {
        console.log(`fill: ${(await timeMs(() => fill.query(fillSessionsSql(ROWS, Date.now()))) / 1000).toFixed(1)} s for ${ROWS} rows`);
        await fill.query(INDEX_FILLED_SESSIONS_SQL);
        await fill.query("analyze exchange");
        await fill.query("analyze exchange_search");
      } finally {
        await fill.end();
      }
      const transport = createConnectTransport({
        baseUrl: controlPlane.url,
        httpVersion: "1.1",
        interceptors: [(next) => (request) => {
          request.header.set("authorization", `Bearer ${ADMIN_TOKEN}`);
          return next(request);
        }],
      });
      const { path } = await createClient(ConsoleService, transport).createSignInLink({});
      const { page } = await newConsolePage(browser);
      await page.goto(`${controlPlane.url}${path}`);
      await page.getByTestId("caller").waitFor();
      const sessions = `${controlPlane.url}/console/sessions`;
      const openSessions = async () => {
        await page.goto(sessions);
        await resultsFor(page, "user-");
      };
      // Fills the form (not timed); the timed part is the click until the results show.
      const search = (fields: Record<string, string>, first: string) => async () => {
        await openSessions();
        for (const [label, value] of Object.entries(fields)) await page.getByLabel(label, { exact: true }).fill(value);
        return async () => {
          await page.getByRole("button", { name: "Search" }).click();
          await page.waitForURL(/\?/);
          await resultsFor(page, first);
        };
      };
      const subject = (i: number) => `user-${(i * 7) % 1000}`;
      return [
        ...(await measure("open Sessions (newest 50)", async () => openSessions)),
        ...(await measure("search subject", (i) => search({ Subject: subject(i) }, subject(i))())),
        ...(await measure("search text, rare word", (i) => search({ "Text in prompts and responses": `tkt${(i * 997) % ROWS + 1}` }, "user-")())),
        // A topic word is in 1 session in 20; with the subject whose sessions carry it.
        ...(await measure("search text, 1 in 20 + subject", (i) => search({ "Text in prompts and responses": TOPICS[(i * 7) % 20]!, Subject: subject(i) }, subject(i))())),
        ...(await measure("next page (Older)", async () => {
          await openSessions();
          const first = (await page.locator(RESULTS).first().textContent()) ?? "";
          return async () => {
            await page.getByRole("button", { name: "Older" }).click();
            await page.waitForURL(/page=/);
            await resultsFor(page, "user-", first);
          };
        })),
      ];
    } finally {
      await browser.close();
      await controlPlane.close();
      await database.close();
    }
  },
};

export default bench;
