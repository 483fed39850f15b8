// Output formats: one JSON document, re-appliable YAML documents, JSON lines, aligned tables; a
// list written item by item is byte for byte the list rendered at once.
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { parseAllDocuments } from "yaml";
import type { CliContext } from "../../cli/context.js";
import { LIST_FORMATS, renderList, renderOne, renderTable, shortTime, writeList, type Columns } from "../../cli/output.js";

type Row = { name: string; note: string };
const rows: Row[] = [
  { name: "a", note: "first" },
  { name: "longer-name", note: "two\nlines" },
];
const columns: Columns<Row> = [
  ["name", (r) => r.name],
  ["note", (r) => r.note],
];

describe("output", () => {
  it("renders a list as one JSON array and one item as one object", () => {
    expect(JSON.parse(renderList("json", rows, columns))).toEqual(rows);
    expect(renderList<Row>("json", [], columns)).toBe("[]\n");
    expect(JSON.parse(renderOne("json", rows[0]!))).toEqual(rows[0]);
  });

  it("renders YAML as one document per item, long strings unfolded", () => {
    const long = { name: "x", body: "word ".repeat(40).trim() };
    const text = renderList("yaml", [long, long], []);
    const docs = parseAllDocuments(text);
    expect(Array.isArray(docs) && docs.map((d) => d.toJS())).toEqual([long, long]);
    expect(renderOne("yaml", long).split("\n").filter(Boolean)).toHaveLength(2);
  });

  it("aligns table columns under upper-case headers and keeps each row on one line", () => {
    expect(renderTable(rows, columns)).toBe("NAME         NOTE\na            first\nlonger-name  two lines\n");
    expect(renderList<Row>("table", [], columns)).toBe("");
  });

  it("prints table times in UTC to the second", () => {
    expect(shortTime(new Date(Date.UTC(2026, 10, 29, 16, 9, 1, 500)))).toBe("2026-11-29T16:09:01Z");
    expect(shortTime(undefined)).toBe("");
  });

  it("prints JSON lines one compact object a line", () => {
    expect(renderList("jsonl", rows, columns)).toBe('{"name":"a","note":"first"}\n{"name":"longer-name","note":"two\\nlines"}\n');
    expect(renderList<Row>("jsonl", [], columns)).toBe("");
  });

  it("writes a list item by item exactly as it renders it at once, in every format", async () => {
    const item = fc.dictionary(fc.string(), fc.jsonValue());
    await fc.assert(
      fc.asyncProperty(fc.array(item, { maxLength: 6 }), fc.constantFrom(...LIST_FORMATS), async (items, format) => {
        let written = "";
        let writes = 0;
        const ctx: Pick<CliContext, "write"> = {
          write: async (text) => {
            written += text;
            writes += 1;
          },
        };
        const cells: Columns<object> = [["keys", (o) => Object.keys(o).join(",")], ["size", (o) => String(JSON.stringify(o).length)]];
        const count = await writeList(ctx as CliContext, format, (async function* () { yield* items; })(), cells);
        expect(count).toBe(items.length);
        expect(written).toBe(renderList(format, items, cells));
        // Streamed formats write each item as it comes; only a table waits for all of them.
        if (format !== "table" && items.length > 0) expect(writes).toBeGreaterThanOrEqual(items.length);
      }),
      { numRuns: 300 },
    );
  });
});
