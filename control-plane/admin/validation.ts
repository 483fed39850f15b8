// Checks of admin API input that the contract's field rules (proto/, enforced by
// request-validation.ts before this runs) cannot state: whatever needs the runtime's own parsers,
// or several resources of one request. Each failure is INVALID_ARGUMENT naming the resource.
import { Code, ConnectError } from "@connectrpc/connect";
import type { Connection, IdentityProvider, Resource } from "../../gen/palisade/admin/v1/resources_pb.js";
import { checkPolicy } from "../policy-validation.js";
import { checkAuditSink } from "../sinks/sink-validation.js";
import { ruleSettings } from "../alerts/rule-settings.js";
import { budgetSettings } from "../budgets/budget-settings.js";
import { invalid } from "./input-checks.js";

// The contract checks that a URL is an http(s) URI (RFC 3986); the agent and jose parse it with
// the WHATWG parser, which also refuses ports above 65535 and IPv4 numbers above 255.
function checkParsable(what: string, field: string, url: string): void {
  if (url !== "" && !URL.canParse(url)) {
    throw invalid(`${what}: ${field} must be a URL Node.js can parse (port at most 65535, IPv4 parts at most 255)`);
  }
}

function checkConnection(connection: Connection): void {
  const what = `connection "${connection.name}"`;
  checkParsable(what, "upstream", connection.upstream);
  // protovalidate's CEL has no clear way to say "whole seconds" of a Duration.
  if (connection.retention && connection.retention.nanos !== 0) throw invalid(`${what}: retention must be whole seconds`);
}

function checkIdentityProvider(provider: IdentityProvider): void {
  const what = `identity provider "${provider.name}"`;
  checkParsable(what, "issuer", provider.issuer);
  checkParsable(what, "jwksUri", provider.jwksUri);
}

/** Throws INVALID_ARGUMENT for the first invalid resource, or a name repeated within a kind. */
export function checkResources(resources: readonly Resource[]): void {
  const seen = new Set<string>();
  resources.forEach((resource, index) => {
    const { case: kind, value } = resource.resource;
    if (!kind) throw invalid(`resource ${index + 1}: no kind set`);
    if (kind === "connection") checkConnection(value);
    else if (kind === "identityProvider") checkIdentityProvider(value);
    else if (kind === "policy") checkPolicy(value);
    else if (kind === "auditSink") checkAuditSink(value);
    else if (kind === "alertRule") ruleSettings(value);
    else if (kind === "budget") budgetSettings(value);
    else if (kind !== "serviceAccount" && kind !== "roleBinding" && kind !== "modelPrice") {
      throw new ConnectError(`resource ${index + 1}: ${kind} resources are not supported yet`, Code.Unimplemented);
    }
    const key = `${kind}/${value.name}`;
    if (seen.has(key)) throw invalid(`resource ${index + 1}: ${kind} "${value.name}" appears twice`);
    seen.add(key);
  });
}
