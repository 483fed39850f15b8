// The `provider:` values of a Connection and their proto enum.
import { Provider } from "../../gen/palisade/admin/v1/resources_pb.js";

const PROVIDERS: Record<string, Provider> = {
  openai: Provider.OPENAI,
  anthropic: Provider.ANTHROPIC,
  generic: Provider.GENERIC,
};

/** The names a resource file may use, in the order docs list them. */
export const PROVIDER_NAMES = Object.keys(PROVIDERS);

/** The proto provider of a file value, or undefined when unknown. */
export function providerOf(name: string): Provider | undefined {
  return PROVIDERS[name];
}

/** The file value of a proto provider (empty when unset). */
export function providerName(provider: Provider): string {
  return PROVIDER_NAMES.find((name) => PROVIDERS[name] === provider) ?? "";
}
