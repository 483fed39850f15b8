// Output formats: one JSON document, re-appliable YAML documents, aligned tables.
import { describe, expect, it } from "vitest";
import { parseAllDocuments } from "yaml";
import { renderList, renderOne, renderTable, shortTime, type Columns } from "../../cli/output.js";

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
});
