import { create, fromBinary, type MessageInitShape, toBinary } from "@bufbuild/protobuf";
import { durationFromMs, FileDescriptorProtoSchema } from "@bufbuild/protobuf/wkt";
import { file_buf_validate_validate as runtimeValidateFile, ViolationsSchema } from "@bufbuild/protovalidate/gen/buf/validate/validate_pb.js";
import { Code, ConnectError } from "@connectrpc/connect";
import { describe, expect, it } from "vitest";
import { file_buf_validate_validate as vendoredValidateFile } from "../../gen/buf/validate/validate_pb.js";
import { ApplyRequestSchema } from "../../gen/palisade/admin/v1/resource_service_pb.js";
import type { PolicyAction, ResourceSchema } from "../../gen/palisade/admin/v1/resources_pb.js";
import { RevokeTokenRequestSchema } from "../../gen/palisade/admin/v1/token_service_pb.js";
import { checkContract } from "./request-validation.js";

type ResourceInit = MessageInitShape<typeof ResourceSchema>["resource"];

// The error `checkContract` refuses `resource` with, or undefined when it passes.
function refusalOf(resource: ResourceInit): ConnectError | undefined {
  try {
    checkContract(ApplyRequestSchema, create(ApplyRequestSchema, { resources: [{ resource }] }));
    return undefined;
  } catch (error) {
    expect(error).toBeInstanceOf(ConnectError);
    return error as ConnectError;
  }
}

const message = (resource: ResourceInit) => refusalOf(resource)?.rawMessage;

describe("checkContract", () => {
  it("passes a resource that keeps every rule", () => {
    expect(message({ case: "connection", value: { name: "openai", provider: 1, upstream: "https://api.openai.com/v1", segments: ["eu-1"] } })).toBeUndefined();
  });

  it("names the resource, the field path in JSON names and the rule, for every violation", () => {
    const error = refusalOf({ case: "connection", value: { name: "Open_AI", provider: 0, upstream: "ftp://x", allowedGroups: ["eng", " "] } });
    expect(error?.code).toBe(Code.InvalidArgument);
    expect(error?.rawMessage).toBe([
      'connection "Open_AI": name must be 1-63 lower-case letters, digits or dashes, starting with a letter [string.resource_name]',
      'connection "Open_AI": provider must be one of openai, anthropic, generic [enum.not_in]',
      'connection "Open_AI": upstream must be an http(s) URL [string.http_url]',
      'connection "Open_AI": allowedGroups[1] must not be empty or blank [string.not_blank]',
    ].join("; "));
  });

  it("attaches the violations as a buf.validate.Violations detail for programs", () => {
    const [detail] = refusalOf({ case: "serviceAccount", value: { name: "ci", groups: [""] } })!.findDetails(ViolationsSchema);
    expect(detail?.violations.map((v) => [v.ruleId, v.field?.elements.map((e) => e.fieldName)])).toEqual([
      ["string.not_blank", ["resources", "service_account", "groups"]],
    ]);
  });

  it("says which values an enum and which fields a oneof take", () => {
    expect(message({ case: "policy", value: { name: "p", connections: ["*"], action: 9 as PolicyAction } })).toBe("policy \"p\": action must be one of allow, deny, mask, review [enum.defined_only]");
    expect(message({ case: "auditSink", value: { name: "s" } })).toBe('audit sink "s": target needs one of file, webhook or syslog set [required]');
  });

  it("writes bounds the way resource files do", () => {
    expect(message({ case: "alertRule", value: { name: "a", condition: { case: "tokenSpike", value: { window: durationFromMs(5000) } } } }))
      .toBe('alert rule "a": tokenSpike.window must be at least 10s and at most 1d [duration.gte_lte]');
    expect(message({ case: "auditSink", value: { name: "s", target: { case: "file", value: { path: "/a", maxFiles: 5000 } }, events: ["admin", "admin"] } }))
      .toBe('audit sink "s": file.maxFiles must be at most 1000 [uint32.lte]; audit sink "s": events must not list an item twice [repeated.unique]');
  });

  it("runs message rules (CEL) and names a request field when no resource encloses it", () => {
    expect(message({ case: "roleBinding", value: { name: "nobody", role: 1 } })).toBe('role binding "nobody": name at least one group or subject [role_binding.members]');
    expect(() => checkContract(RevokeTokenRequestSchema, create(RevokeTokenRequestSchema, { jti: " ", subject: "" })))
      .toThrow("set exactly one of jti and subject [revoke_token.target]");
  });

  it("covers budgets, model prices and the console's sign-in client", () => {
    expect(message({ case: "budget", value: { name: "b", per: 1, period: 1, thresholds: [0, 80] } })).toBe([
      'budget "b": thresholds[0] must be at least 1 and at most 100 [uint32.gte_lte]',
      'budget "b": set tokens, cost or both [budget.cap]',
    ].join("; "));
    expect(message({ case: "modelPrice", value: { name: "p", model: "gpt-*-mini", inputPerMillion: Number.POSITIVE_INFINITY, outputPerMillion: -1 } })).toBe([
      'model price "p": model may hold * only at its end [model_price.model_star]',
      'model price "p": inputPerMillion must be finite [double.finite]',
      'model price "p": outputPerMillion must be at least 0 [double.gte]',
    ].join("; "));
    expect(message({ case: "identityProvider", value: { name: "okta", issuer: "https://id.example.com", audience: "a", console: { clientId: " ", scopes: ["openid", "a b"] } } })).toBe([
      'identity provider "okta": console.clientId must not be empty or blank [string.not_blank]',
      'identity provider "okta": console.scopes[1] must be a scope token (printable ASCII, no spaces or quotes) [console_client.scope]',
    ].join("; "));
  });

  it("spells out five violations and counts the rest", () => {
    const text = message({ case: "connection", value: { name: "ok", provider: 1, upstream: "https://x.example", segments: Array<string>(8).fill("X") } });
    expect(text?.split("; ")).toHaveLength(6);
    expect(text).toMatch(/; and 3 more$/);
  });
});

describe("the vendored buf/validate/validate.proto", () => {
  it("is the one @bufbuild/protovalidate was built from (same descriptor)", () => {
    const bytes = (file: typeof vendoredValidateFile) => toBinary(FileDescriptorProtoSchema, fromBinary(FileDescriptorProtoSchema, toBinary(FileDescriptorProtoSchema, file.proto)));
    expect(Buffer.from(bytes(vendoredValidateFile)).equals(Buffer.from(bytes(runtimeValidateFile)))).toBe(true);
  });
});
