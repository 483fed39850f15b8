// The admin API's contract enforced in one place: every request message (and every message of a
// client stream) is checked against the protovalidate rules in proto/ before its handler runs. A
// violation is INVALID_ARGUMENT naming the field path and the rule (violation-text.ts), with the
// violations attached as a `buf.validate.Violations` error detail for programs. What the rules
// cannot say — anything needing the database, other resources or the runtime's own parsers — is
// checked by the handlers (docs/contracts.md, "Validation").
import { createRegistry, type DescMessage, type Message } from "@bufbuild/protobuf";
import { createValidator, violationsToProto } from "@bufbuild/protovalidate";
import { Code, ConnectError, type Interceptor } from "@connectrpc/connect";
import { file_palisade_admin_v1_rules } from "../../gen/palisade/admin/v1/rules_pb.js";
import { violationsText } from "./violation-text.js";

// Palisade's predefined rules (rules.proto) must be known to the validator.
const validator = createValidator({ registry: createRegistry(file_palisade_admin_v1_rules) });

/** Throws INVALID_ARGUMENT unless `message` keeps every rule of `schema`. */
export function checkContract(schema: DescMessage, message: Message): void {
  const result = validator.validate(schema, message);
  if (result.kind === "valid") return;
  if (result.kind === "error") {
    // A rule that does not compile or evaluate is a defect of the contract, not of the request.
    throw new ConnectError(`request validation failed: ${result.error.message}`, Code.Internal);
  }
  const [violations, desc] = violationsToProto(result.violations);
  throw new ConnectError(violationsText(message, result.violations), Code.InvalidArgument, undefined, [{ desc, value: violations }]);
}

async function* checkedStream<T extends Message>(schema: DescMessage, messages: AsyncIterable<T>): AsyncIterable<T> {
  for await (const message of messages) {
    checkContract(schema, message);
    yield message;
  }
}

/** The interceptor enforcing the contract on every request of the services it is given to. */
export const requestValidation: Interceptor = (next) => async (req) => {
  const schema = req.method.input;
  if (!req.stream) {
    checkContract(schema, req.message);
    return next(req);
  }
  return next({ ...req, message: checkedStream(schema, req.message) });
};
