// Checks of admin API input. Each failure is INVALID_ARGUMENT with a message naming the resource.
import { Code, ConnectError } from "@connectrpc/connect";
import {
  type Connection, type IdentityProvider, Provider, type Resource, Role, type RoleBinding, type ServiceAccount,
} from "../../gen/palisade/admin/v1/resources_pb.js";
import { checkPolicy } from "../policy-validation.js";
import { checkAuditSink } from "../sinks/sink-validation.js";
import { ruleSettings } from "../alerts/rule-settings.js";
import { budgetSettings, checkModelPrice } from "../budgets/budget-settings.js";
import { checkName, HEADER_NAME, invalid, isHttpUrl } from "./input-checks.js";

function checkConnection(connection: Connection): void {
  const what = `connection "${connection.name}"`;
  checkName("connection", connection.name);
  if (connection.provider === Provider.UNSPECIFIED || !(connection.provider in Provider)) {
    throw invalid(`${what}: provider must be openai, anthropic or generic`);
  }
  if (!isHttpUrl(connection.upstream)) throw invalid(`${what}: upstream must be an http(s) URL`);
  if (connection.credential) {
    if (!HEADER_NAME.test(connection.credential.header)) throw invalid(`${what}: credential header must be an HTTP header name`);
    if (!connection.credential.value) throw invalid(`${what}: credential value must not be empty`);
    if (/[\r\n\0]/.test(connection.credential.value)) throw invalid(`${what}: credential value must be one line`);
  }
  for (const segment of connection.segments) checkName(`${what}: segment`, segment);
  if (connection.allowedGroups.some((group) => group.trim() === "")) {
    throw invalid(`${what}: allowedGroups must not contain empty strings`);
  }
  const retention = connection.retention;
  // Whole seconds, unset or at least an hour: a shorter one is far more likely a typo (30s for 30d)
  // than a wish to delete sessions while they are being read.
  if (retention && (retention.nanos !== 0 || retention.seconds < 0n || (retention.seconds > 0n && retention.seconds < 3600n) || retention.seconds > 2n ** 31n - 1n)) {
    throw invalid(`${what}: retention must be 0 (keep forever) or whole seconds between 1h and 68 years`);
  }
}

function checkIdentityProvider(provider: IdentityProvider): void {
  const what = `identity provider "${provider.name}"`;
  checkName("identity provider", provider.name);
  if (!isHttpUrl(provider.issuer)) throw invalid(`${what}: issuer must be an http(s) URL`);
  if (!provider.audience) throw invalid(`${what}: audience is required`);
  if (provider.jwksUri && !isHttpUrl(provider.jwksUri)) throw invalid(`${what}: jwksUri must be an http(s) URL`);
  const console = provider.console;
  if (console) {
    if (!console.clientId.trim()) throw invalid(`${what}: console.clientId is required`);
    // Scopes are space-separated in the authorization request: one with a space would be two.
    if (console.scopes.some((scope) => !/^[\x21\x23-\x5b\x5d-\x7e]+$/.test(scope))) {
      throw invalid(`${what}: console.scopes must be scope tokens (printable ASCII, no spaces or quotes)`);
    }
  }
}

function checkServiceAccount(account: ServiceAccount): void {
  checkName("service account", account.name);
  if (account.groups.some((group) => group.trim() === "")) {
    throw invalid(`service account "${account.name}": groups must not be empty strings`);
  }
}

function checkRoleBinding(binding: RoleBinding): void {
  const what = `role binding "${binding.name}"`;
  checkName("role binding", binding.name);
  if (binding.role === Role.UNSPECIFIED || !(binding.role in Role)) {
    throw invalid(`${what}: role must be admin, approver, auditor or viewer`);
  }
  if (binding.groups.length === 0 && binding.subjects.length === 0) {
    throw invalid(`${what}: name at least one group or subject`);
  }
  if ([...binding.groups, ...binding.subjects].some((entry) => entry.trim() === "")) {
    throw invalid(`${what}: groups and subjects must not be empty strings`);
  }
}

/** Throws INVALID_ARGUMENT for the first invalid resource, or a name repeated within a kind. */
export function checkResources(resources: readonly Resource[]): void {
  const seen = new Set<string>();
  resources.forEach((resource, index) => {
    const { case: kind, value } = resource.resource;
    if (!kind) throw invalid(`resource ${index + 1}: no kind set`);
    if (kind === "connection") checkConnection(value);
    else if (kind === "identityProvider") checkIdentityProvider(value);
    else if (kind === "serviceAccount") checkServiceAccount(value);
    else if (kind === "policy") checkPolicy(value);
    else if (kind === "roleBinding") checkRoleBinding(value);
    else if (kind === "auditSink") checkAuditSink(value);
    else if (kind === "alertRule") ruleSettings(value);
    else if (kind === "modelPrice") checkModelPrice(value);
    else if (kind === "budget") budgetSettings(value);
    // Policies and role bindings are stored once their validation exists (issue 4 work in progress).
    else throw new ConnectError(`resource ${index + 1}: ${kind} resources are not supported yet`, Code.Unimplemented);
    const key = `${kind}/${value.name}`;
    if (seen.has(key)) throw invalid(`resource ${index + 1}: ${kind} "${value.name}" appears twice`);
    seen.add(key);
  });
}
