// The resource file format → admin API resources, and every mistake reported with its document
// and line.
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { create } from "@bufbuild/protobuf";
import { stringify } from "yaml";
import { ConnectionSchema, KeywordMatch, Provider, ResourceSchema } from "../../gen/palisade/admin/v1/resources_pb.js";
import { parseResources, ResourceFileError } from "../../cli/resources/parse-resources.js";
import { resourceView } from "../../cli/resources/resource-view.js";

const ISSUE_EXAMPLE = `kind: Connection
name: openai
provider: openai            # openai | anthropic | generic
upstream: https://api.openai.com
credential:
  header: authorization
  value: Bearer sk-...      # write-only: never returned by get, never logged
---
kind: IdentityProvider
name: okta
issuer: https://example.okta.com
audience: palisade
groupsClaim: groups
`;

function failure(text: string): ResourceFileError {
  try {
    parseResources(text);
  } catch (error) {
    if (error instanceof ResourceFileError) return error;
    throw error;
  }
  throw new Error("expected a ResourceFileError");
}

describe("parseResources", () => {
  it("reads the issue's example file into a Connection and an IdentityProvider", () => {
    const [connection, idp] = parseResources(ISSUE_EXAMPLE);
    expect(connection).toMatchObject({ kind: "Connection", name: "openai", document: 1, line: 1 });
    expect(connection!.resource.resource).toMatchObject({
      case: "connection",
      value: {
        name: "openai",
        provider: Provider.OPENAI,
        upstream: "https://api.openai.com",
        credential: { header: "authorization", value: "Bearer sk-..." },
        segments: [],
      },
    });
    expect(idp).toMatchObject({ kind: "IdentityProvider", name: "okta", document: 2, line: 9 });
    expect(idp!.resource.resource).toMatchObject({
      case: "identityProvider",
      value: {
        name: "okta",
        issuer: "https://example.okta.com",
        audience: "palisade",
        groupsClaim: "groups",
        jwksUri: "",
      },
    });
  });

  it("reads every field of every kind and skips empty documents", () => {
    const text = `---
kind: Connection
name: claude
provider: anthropic
upstream: https://api.anthropic.com
credential: { header: x-api-key, value: sk-ant }
segments: [eu, us]
allowedGroups: [eng, data-science]
---
# only a comment
---
kind: IdentityProvider
name: corp
issuer: https://id.example.com
audience: palisade
jwksUri: https://id.example.com/keys
groupsClaim: realm.groups
---
kind: ServiceAccount
name: ci
groups: [deployers]
description: The CI pipeline
---
`;
    const parsed = parseResources(text);
    expect(parsed.map((r) => [r.kind, r.name, r.document])).toEqual([
      ["Connection", "claude", 1],
      ["IdentityProvider", "corp", 3],
      ["ServiceAccount", "ci", 4],
    ]);
    expect(parsed[0]!.resource.resource.value).toMatchObject({
      provider: Provider.ANTHROPIC,
      segments: ["eu", "us"],
      allowedGroups: ["eng", "data-science"],
      credential: { header: "x-api-key" },
    });
    expect(parsed[1]!.resource.resource.value).toMatchObject({
      jwksUri: "https://id.example.com/keys",
      groupsClaim: "realm.groups",
    });
    expect(parsed[2]!.resource.resource.value).toMatchObject({ groups: ["deployers"], description: "The CI pipeline" });
  });

  it("leaves the credential unset when the file has none (the stored one is kept)", () => {
    const [r] = parseResources("kind: Connection\nname: a\nprovider: generic\nupstream: http://x\n");
    expect(r!.resource.resource.case === "connection" && r!.resource.resource.value.credential).toBe(undefined);
  });

  it("accepts what `get -o yaml` prints, output-only fields included", () => {
    const stored = create(ResourceSchema, {
      resource: {
        case: "connection",
        value: create(ConnectionSchema, {
          name: "openai",
          provider: Provider.OPENAI,
          upstream: "https://api.openai.com",
          credentialSet: true,
          segments: ["eu"],
          allowedGroups: ["eng"],
        }),
      },
    });
    const printed = stringify({ ...resourceView(stored), createTime: "2026-01-01T00:00:00.000Z" });
    const [again] = parseResources(printed);
    const connection = again!.resource.resource.case === "connection" ? again!.resource.resource.value : undefined;
    expect(connection).toMatchObject({
      name: "openai",
      provider: Provider.OPENAI,
      upstream: "https://api.openai.com",
      segments: ["eu"],
      allowedGroups: ["eng"],
      credentialSet: false,
    });
    expect(connection?.credential).toBeUndefined();
  });

  it.each([
    [
      "unknown kind",
      "kind: Widget\nname: p\n",
      1,
      1,
      /unknown kind "Widget" \(known kinds: Connection, IdentityProvider, ServiceAccount, Policy/,
    ],
    [
      "unknown field",
      "kind: Connection\nname: a\nprovider: openai\nupstrem: http://x\n",
      1,
      4,
      /Connection "a": unknown field "upstrem"/,
    ],
    [
      "unknown credential field",
      "kind: Connection\nname: a\nprovider: openai\nupstream: http://x\ncredential:\n  header: h\n  secret: s\n",
      1,
      7,
      /credential: unknown field "secret"/,
    ],
    [
      "unknown provider",
      "kind: Connection\nname: a\nprovider: gemini\nupstream: http://x\n",
      1,
      3,
      /unknown provider "gemini" \(one of openai, anthropic, generic\)/,
    ],
    [
      "missing field",
      "kind: IdentityProvider\nname: corp\naudience: palisade\n",
      1,
      1,
      /IdentityProvider "corp": missing field "issuer"/,
    ],
    ["missing kind", "name: a\n", 1, 1, /missing field "kind"/],
    ["wrong type", "kind: ServiceAccount\nname: ci\ngroups: deployers\n", 1, 3, /groups must be a list of strings/],
    ["not a string", "kind: ServiceAccount\nname: 42\n", 1, 2, /name must be a string/],
    ["not a mapping", "- kind: Connection\n", 1, 1, /a resource must be a mapping/],
    ["duplicate key", "kind: ServiceAccount\nname: a\nname: b\n", 1, 3, /malformed YAML/],
  ])("reports %s with its document and line", (_case, text, document, line, message) => {
    const error = failure(text);
    expect({ document: error.document, line: error.line }).toEqual({ document, line });
    expect(error.message).toMatch(message);
    expect(error.message).toMatch(new RegExp(`^document ${document} \\(line ${line}\\): `));
  });

  it("locates a mistake in a later document by its line in the whole file", () => {
    const error = failure(`${ISSUE_EXAMPLE}---\nkind: ServiceAccount\nname: ci\ngroups: [a, [b]]\n`);
    expect(error.message).toMatch(/^document 3 \(line 17\): ServiceAccount "ci": groups must be a list of strings/);
  });

  it("reads a content rule's keyword mode and prints it back (auto left out), refusing other values", () => {
    const [parsed] = parseResources("kind: Policy\nname: d\nconnections: ['*']\naction: deny\nmatch:\n  keywords: [nightingale]\n  keywordMatch: prefix\n");
    const policy = parsed!.resource.resource;
    expect(policy.case === "policy" && policy.value.match?.keywordMatch).toBe(KeywordMatch.PREFIX);
    expect(resourceView(parsed!.resource)).toMatchObject({ match: { keywords: ["nightingale"], keywordMatch: "prefix" } });
    const [auto] = parseResources("kind: Policy\nname: d\nconnections: ['*']\naction: deny\nmatch:\n  keywords: [nightingale]\n  keywordMatch: auto\n");
    expect(resourceView(auto!.resource)).toEqual(expect.objectContaining({ match: { keywords: ["nightingale"] } }));
    expect(failure("kind: Policy\nname: d\nconnections: ['*']\naction: deny\nmatch:\n  keywords: [x]\n  keywordMatch: fuzzy\n").message).toMatch(/unknown keywordMatch "fuzzy"/);
  });

  it("reads a policy's binary setting and prints it back, refusing other values", () => {
    const [parsed] = parseResources("kind: Policy\nname: m\nconnections: ['*']\naction: mask\ndetectors: [email]\nbinary: allow\n");
    const policy = parsed!.resource.resource;
    expect(policy.case === "policy" && policy.value.allowBinary).toBe(true);
    expect(resourceView(parsed!.resource)).toMatchObject({ binary: "allow" });
    const [closed] = parseResources("kind: Policy\nname: m\nconnections: ['*']\naction: mask\ndetectors: [email]\nbinary: refuse\n");
    const refused = closed!.resource.resource;
    expect(refused.case === "policy" && refused.value.allowBinary).toBe(false);
    expect(failure("kind: Policy\nname: m\nconnections: ['*']\naction: mask\ndetectors: [email]\nbinary: maybe\n").message).toMatch(/unknown binary "maybe"/);
  });

  it("reports malformed YAML in the middle of a file", () => {
    const error = failure(`${ISSUE_EXAMPLE}---\nkind: Connection\nname: b\n  provider: [\n`);
    expect(error.document).toBe(3);
    expect(error.message).toMatch(/malformed YAML/);
  });

  it("refuses the same resource twice in one file", () => {
    const error = failure("kind: ServiceAccount\nname: ci\n---\nkind: ServiceAccount\nname: ci\n");
    expect(error.message).toBe('document 2 (line 4): ServiceAccount "ci" is also defined in document 1');
  });

  it("reads examples/quickstart.yaml", () => {
    const text = readFileSync(new URL("../../examples/quickstart.yaml", import.meta.url), "utf8");
    expect(parseResources(text).map((r) => `${r.kind}/${r.name}`)).toEqual([
      "Connection/local-llm",
      "Connection/claude",
      "IdentityProvider/corp",
      "ServiceAccount/ci",
      "Policy/deployers-may-call",
      "Policy/no-secrets-in-prompts",
      "Policy/local-llm-budget",
    ]);
  });

  it("reads examples/model-prices.yaml, where no known model is priced by a cheaper sibling's prefix", () => {
    const text = readFileSync(new URL("../../examples/model-prices.yaml", import.meta.url), "utf8");
    const prices = parseResources(text).flatMap((r) => (r.resource.resource.case === "modelPrice" ? [r.resource.resource.value] : []));
    // The control plane's rule (budget-spend.ts PRICE_JOIN): the exact model, else the longest `prefix*`.
    const priceOf = (model: string) => prices
      .filter((p) => p.model === model || (p.model.endsWith("*") && model.startsWith(p.model.slice(0, -1))))
      .sort((a, b) => b.model.length - a.model.length)[0]?.name;
    // Siblings whose list price is above their family's row: each must meet its own row.
    const expected: Record<string, string> = {
      "o3-pro": "o3-pro", "o3-pro-2025-06-10": "o3-pro", "o3-deep-research": "o3-deep-research", "o3-2025-04-16": "o3",
      "o4-mini-deep-research": "o4-mini-deep-research", "o1": "o1", "o1-pro": "o1-pro", "o1-mini": "o1-mini",
      "gpt-5-pro": "gpt-5-pro", "gpt-5-2025-08-07": "gpt-5", "gpt-4o-realtime-preview": "gpt-4o-realtime",
      "gpt-4o-mini-realtime-preview": "gpt-4o-mini-realtime", "gpt-4o-mini": "gpt-4o-mini", "gpt-4o-2024-08-06": "gpt-4o",
    };
    expect(Object.fromEntries(Object.keys(expected).map((model) => [model, priceOf(model)]))).toEqual(expected);
    const byName = new Map(prices.map((p) => [p.name, p]));
    for (const [sibling, family] of [["o3-pro", "o3"], ["gpt-5-pro", "gpt-5"], ["o1-pro", "o1"], ["gpt-4o-realtime", "gpt-4o"]] as const) {
      expect(byName.get(sibling)!.outputPerMillion).toBeGreaterThan(byName.get(family)!.outputPerMillion);
    }
  });

  it("reads an empty file as no resources", () => {
    expect(parseResources("")).toEqual([]);
    expect(parseResources("# nothing\n---\n")).toEqual([]);
  });
});
