// The provider registry: the connection's `Provider` enum to its description.
import { Provider } from "../../gen/palisade/agent/v1/snapshot_pb.js";
import { anthropic } from "./anthropic.js";
import { generic } from "./generic.js";
import { openai } from "./openai.js";
import type { ProviderSpec } from "./provider.js";

export type { ProviderSpec, Refusal, RefusalKind, RequestBodyRules, RequestFacts, StreamFilter, StreamReader, StreamUsageRewrite, UsageCounts } from "./provider.js";

const providers: ReadonlyMap<Provider, ProviderSpec> = new Map([
  [Provider.OPENAI, openai],
  [Provider.ANTHROPIC, anthropic],
  [Provider.GENERIC, generic],
]);

/** The provider for an enum value, or undefined for unspecified or unknown values (the snapshot is then NACKed). */
export function providerFor(provider: Provider): ProviderSpec | undefined {
  return providers.get(provider);
}

/** The format used when no connection is known (unknown connection, no snapshot yet). */
export const fallbackProvider: ProviderSpec = openai;
