// The resource file (YAML, several `---` documents) read into admin API resources. Nothing is
// sent unless every document is valid, so a mistake anywhere applies nothing.
import { create } from "@bufbuild/protobuf";
import { isMap, isScalar, LineCounter, parseAllDocuments, type Node } from "yaml";
import {
  ConnectionSchema,
  CredentialSchema,
  ConsoleClientSchema,
  IdentityProviderSchema,
  ResourceSchema,
  ServiceAccountSchema,
  type Resource,
} from "../../gen/palisade/admin/v1/resources_pb.js";
import { durationField } from "../duration.js";
import { AUDIT_SINK_FIELDS, readAuditSink } from "./audit-sink-resource.js";
import { ALERT_RULE_FIELDS, readAlertRule } from "./alert-rule-resource.js";
import { BUDGET_FIELDS, MODEL_PRICE_FIELDS, readBudget, readModelPrice } from "./budget-resource.js";
import { FILE_KINDS, isFileKind, type FileKind } from "./kinds.js";
import { POLICY_FIELDS, readPolicy } from "./policy-resource.js";
import { PROVIDER_NAMES, providerOf } from "./providers.js";
import { readRoleBinding, ROLE_BINDING_FIELDS } from "./role-binding-resource.js";
import { MappingFields, ResourceFileError } from "./yaml-fields.js";

export { ResourceFileError } from "./yaml-fields.js";

/** One resource and where it was written. */
export interface LocatedResource {
  resource: Resource;
  kind: FileKind;
  name: string;
  /** 1-based position of its document in the file. */
  document: number;
  /** Line of the document's first field. */
  line: number;
}

// Output-only fields that `get -o yaml` prints; accepted and dropped, so that output applies again.
const OUTPUT_ONLY = ["credentialSet", "createTime", "updateTime"];

/** Parses every non-empty document; throws ResourceFileError at the first mistake. */
export function parseResources(text: string): LocatedResource[] {
  const lines = new LineCounter();
  const documents = parseAllDocuments(text, { lineCounter: lines, prettyErrors: false, uniqueKeys: true });
  if (!Array.isArray(documents)) return [];
  const parsed: LocatedResource[] = [];
  const seen = new Map<string, number>();
  documents.forEach((doc, i) => {
    const index = i + 1;
    const problem = doc.errors[0];
    if (problem !== undefined) {
      throw new ResourceFileError(
        index,
        lines.linePos(problem.pos[0]).line,
        `malformed YAML: ${firstLine(problem.message)}`,
      );
    }
    const contents = doc.contents as Node | null;
    if (contents === null || (isScalar(contents) && contents.value === null)) return; // an empty document
    const start = lines.linePos(contents.range?.[0] ?? 0).line;
    if (!isMap<Node, Node | null>(contents))
      throw new ResourceFileError(index, start, "a resource must be a mapping of fields");
    const resource = readResource(new MappingFields(contents, index, lines, ""), index, start);
    const key = `${resource.kind}/${resource.name}`;
    const earlier = seen.get(key);
    if (earlier !== undefined) {
      throw new ResourceFileError(
        index,
        start,
        `${resource.kind} "${resource.name}" is also defined in document ${earlier}`,
      );
    }
    seen.set(key, index);
    parsed.push(resource);
  });
  return parsed;
}

function readResource(fields: MappingFields, document: number, line: number): LocatedResource {
  const kind = fields.string("kind", true);
  if (!isFileKind(kind)) {
    throw fields.errorAt("kind", `unknown kind "${kind}" (known kinds: ${FILE_KINDS.join(", ")})`);
  }
  fields.describe(kind);
  const name = fields.string("name", true);
  fields.describe(`${kind} "${name}"`);
  const reader = READERS[kind];
  fields.only(["kind", "name", ...reader.fields], OUTPUT_ONLY);
  const resource = reader.read(fields, name);
  return { resource, kind, name, document, line };
}

/** The fields a kind takes and how to read them. */
interface KindReader {
  fields: readonly string[];
  read(fields: MappingFields, name: string): Resource;
}

const READERS: Record<FileKind, KindReader> = {
  Connection: { fields: ["provider", "upstream", "credential", "segments", "allowedGroups", "retention"], read: readConnection },
  IdentityProvider: { fields: ["issuer", "audience", "jwksUri", "groupsClaim", "console"], read: readIdentityProvider },
  ServiceAccount: { fields: ["groups", "description"], read: readServiceAccount },
  Policy: { fields: POLICY_FIELDS, read: readPolicy },
  RoleBinding: { fields: ROLE_BINDING_FIELDS, read: readRoleBinding },
  AuditSink: { fields: AUDIT_SINK_FIELDS, read: readAuditSink },
  AlertRule: { fields: ALERT_RULE_FIELDS, read: readAlertRule },
  ModelPrice: { fields: MODEL_PRICE_FIELDS, read: readModelPrice },
  Budget: { fields: BUDGET_FIELDS, read: readBudget },
};

function readConnection(fields: MappingFields, name: string): Resource {
  const providerText = fields.string("provider", true);
  const provider = providerOf(providerText);
  if (provider === undefined) {
    throw fields.errorAt("provider", `unknown provider "${providerText}" (one of ${PROVIDER_NAMES.join(", ")})`);
  }
  const upstream = fields.string("upstream", true);
  const credentialFields = fields.mapping("credential");
  let credential: ReturnType<typeof create<typeof CredentialSchema>> | undefined;
  if (credentialFields !== undefined) {
    credentialFields.only(["header", "value"]);
    credential = create(CredentialSchema, {
      header: credentialFields.string("header", true),
      value: credentialFields.string("value", true),
    });
  }
  const segments = fields.strings("segments");
  const allowedGroups = fields.strings("allowedGroups");
  // `retention: 30d` (cli/duration.ts syntax); absent = keep forever.
  const retention = durationField(fields, "retention");
  const connection = create(ConnectionSchema, { name, provider, upstream, credential, segments, allowedGroups, retention });
  return create(ResourceSchema, { resource: { case: "connection", value: connection } });
}

function readIdentityProvider(fields: MappingFields, name: string): Resource {
  const identityProvider = create(IdentityProviderSchema, {
    name,
    issuer: fields.string("issuer", true),
    audience: fields.string("audience", true),
    jwksUri: fields.string("jwksUri") ?? "",
    groupsClaim: fields.string("groupsClaim") ?? "",
  });
  // `console: { clientId, scopes }`: the web console's OAuth client at this issuer (docs/console.md).
  const consoleFields = fields.mapping("console");
  if (consoleFields !== undefined) {
    consoleFields.only(["clientId", "scopes"]);
    identityProvider.console = create(ConsoleClientSchema, {
      clientId: consoleFields.string("clientId", true),
      scopes: consoleFields.strings("scopes"),
    });
  }
  return create(ResourceSchema, { resource: { case: "identityProvider", value: identityProvider } });
}

function readServiceAccount(fields: MappingFields, name: string): Resource {
  const serviceAccount = create(ServiceAccountSchema, {
    name,
    groups: fields.strings("groups"),
    description: fields.string("description") ?? "",
  });
  return create(ResourceSchema, { resource: { case: "serviceAccount", value: serviceAccount } });
}

function firstLine(message: string): string {
  return message.split("\n")[0]!.trim();
}
