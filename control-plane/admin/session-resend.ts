// PrepareResend: the recorded request of a session, for `palisade audit replay --resend` to send
// through an agent again under the caller's own identity. Admin only (permissions.ts); audited by
// the admin audit interceptor like every RPC that is not a read (request id, response connection
// and subject), in a transaction of its own before the answer leaves: a resend that cannot be
// audited is not prepared.
import { Code, ConnectError, type HandlerContext } from "@connectrpc/connect";
import type { MessageInitShape } from "@bufbuild/protobuf";
import type { PrepareResendRequest, PrepareResendResponseSchema } from "../../gen/palisade/admin/v1/session_service_pb.js";
import { RecordedBodies } from "../../gen/palisade/agent/v1/exchange_pb.js";
import { adminCallerKey } from "../auth/admin-auth.js";
import type { ExchangeReader } from "../storage/exchanges.js";

/** The PrepareResend handler over `exchanges`. */
export function createSessionResend(exchanges: ExchangeReader) {
  return async function prepareResend(request: PrepareResendRequest, context: HandlerContext): Promise<MessageInitShape<typeof PrepareResendResponseSchema>> {
    const found = await exchanges.get(request.id);
    if (!found) throw new ConnectError(`session "${request.id}" not found`, Code.NotFound);
    const x = found.exchange;
    const refuse = (why: string) => new ConnectError(`session "${request.id}" cannot be resent: ${why}`, Code.FailedPrecondition);
    if (x.recordedBodies === RecordedBodies.NONE) throw refuse("its policy kept no bodies");
    if (x.requestTruncated) throw refuse("its request body was cut at the agent's record limit");
    if (!x.connection || !x.method || !x.path.startsWith("/")) throw refuse("no request was recorded (refused before it was read)");
    // The caller's own identity; an admin token's is `admin-token:<name>`, visibly not a person.
    const subject = context.values.get(adminCallerKey).actor;
    return { connection: x.connection, method: x.method, path: x.path, body: x.requestBody, subject };
  };
}
