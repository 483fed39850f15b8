// Times streamed chat completions from a client's side: one connection, two warm-up streams, then
// the median over `streams` runs of the time to the first content token and to the end of the
// stream. The fast provider's tokens read " tok0", " tok1"…; a masker may cut a delta differently
// (" " then "tok0 "), so the first token is found by the word.
import { Pool } from "undici";
import { percentile } from "./bench.js";

/** Medians over the measured streams, in ms. */
export interface StreamFigures {
  firstToken: number;
  total: number;
}

/** POSTs `body` to `url` `streams` + 2 times in turn and checks each stream carries all `tokens` and ends with [DONE]. */
export async function timeStreams(url: URL, headers: Record<string, string>, body: string, tokens: number, streams: number): Promise<StreamFigures> {
  const pool = new Pool(url.origin, { connections: 1 });
  const first: number[] = [];
  const total: number[] = [];
  try {
    for (let run = 0; run < streams + 2; run++) {
      const start = process.hrtime.bigint();
      const response = await pool.request({ path: url.pathname, method: "POST", headers, body });
      if (response.statusCode !== 200) throw new Error(`stream from ${url.href} answered ${response.statusCode}: ${await response.body.text()}`);
      let firstMs = Number.NaN;
      let text = "";
      for await (const chunk of response.body) {
        text += (chunk as Buffer).toString("utf8");
        if (Number.isNaN(firstMs) && text.includes("tok0")) firstMs = Number(process.hrtime.bigint() - start) / 1e6;
      }
      const totalMs = Number(process.hrtime.bigint() - start) / 1e6;
      if (!text.includes(`tok${tokens - 1}`) || !text.includes("[DONE]")) throw new Error(`stream from ${url.href} ended early`);
      if (run < 2) continue; // warm-up
      first.push(firstMs);
      total.push(totalMs);
    }
  } finally {
    await pool.close();
  }
  return { firstToken: percentile(first, 50), total: percentile(total, 50) };
}
