// Builds a @grpc/grpc-js service definition from a protobuf-es service descriptor, so grpc-js
// clients (the agent's stream client) use the same generated messages as connect-node servers,
// without a second code generator.
import { fromBinary, toBinary, type DescMessage, type MessageShape } from "@bufbuild/protobuf";
import type { GenService, GenServiceMethods } from "@bufbuild/protobuf/codegenv2";
import type { MethodDefinition } from "@grpc/grpc-js";

/** A grpc-js definition keyed by each method's local (camelCase) name, typed by its messages. */
export type GrpcServiceDefinition<M extends GenServiceMethods> = {
  readonly [K in keyof M]: MethodDefinition<MessageShape<M[K]["input"]>, MessageShape<M[K]["output"]>>;
};

/**
 * Returns a grpc-js `ServiceDefinition` for `desc` (usable with `makeGenericClientConstructor`
 * or `Server.addService`), serialising with protobuf-es `toBinary`/`fromBinary`.
 */
export function grpcServiceDefinition<M extends GenServiceMethods>(desc: GenService<M>): GrpcServiceDefinition<M> {
  const definition: Record<string, MethodDefinition<unknown, unknown>> = {};
  for (const method of desc.methods) {
    const streamsRequests = method.methodKind === "client_streaming" || method.methodKind === "bidi_streaming";
    const streamsResponses = method.methodKind === "server_streaming" || method.methodKind === "bidi_streaming";
    definition[method.localName] = {
      path: `/${desc.typeName}/${method.name}`,
      requestStream: streamsRequests,
      responseStream: streamsResponses,
      requestSerialize: serializer(method.input),
      requestDeserialize: deserializer(method.input),
      responseSerialize: serializer(method.output),
      responseDeserialize: deserializer(method.output),
      originalName: method.name,
    };
  }
  return definition as GrpcServiceDefinition<M>;
}

function serializer(schema: DescMessage): (message: unknown) => Buffer {
  return (message) => {
    const bytes = toBinary(schema, message as MessageShape<DescMessage>);
    // A view, not a copy: grpc-js only reads the buffer.
    return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  };
}

function deserializer(schema: DescMessage): (bytes: Buffer) => unknown {
  return (bytes) => fromBinary(schema, bytes);
}
