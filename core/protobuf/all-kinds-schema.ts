// Test support: a proto3 message with every scalar type as a plain (implicit presence), an
// optional, a repeated (packed) and a oneof field, plus an enum, a message that nests itself and
// maps, built as a descriptor at run time. Palisade's own schemas use only some of these kinds; the
// encoder's tests still reach all of them.
import { create, createFileRegistry, type DescMessage, ScalarType } from "@bufbuild/protobuf";
import {
  FieldDescriptorProto_Label as Label, FieldDescriptorProto_Type as Type, FileDescriptorProtoSchema,
  file_google_protobuf_wrappers,
} from "@bufbuild/protobuf/wkt";

const scalars = Object.values(ScalarType).filter((value): value is ScalarType => typeof value === "number");

function allKindsFile() {
  const fields: object[] = [];
  const oneofs: { name: string }[] = [{ name: "choice" }];
  let number = 1;
  for (const type of scalars) {
    const name = ScalarType[type].toLowerCase();
    fields.push({ name: `plain_${name}`, number: number++, type, label: Label.OPTIONAL, jsonName: `plain${name}` });
    // proto3 `optional`: a synthetic oneof of its own.
    oneofs.push({ name: `_maybe_${name}` });
    fields.push({ name: `maybe_${name}`, number: number++, type, label: Label.OPTIONAL, proto3Optional: true, oneofIndex: oneofs.length - 1 });
    fields.push({ name: `many_${name}`, number: number++, type, label: Label.REPEATED });
    fields.push({ name: `one_${name}`, number: number++, type, label: Label.OPTIONAL, oneofIndex: 0 });
  }
  const self = ".palisade.test.AllKinds";
  fields.push(
    { name: "colour", number: number++, type: Type.ENUM, typeName: ".palisade.test.Colour", label: Label.OPTIONAL },
    { name: "colours", number: number++, type: Type.ENUM, typeName: ".palisade.test.Colour", label: Label.REPEATED },
    { name: "child", number: number++, type: Type.MESSAGE, typeName: self, label: Label.OPTIONAL },
    { name: "children", number: number++, type: Type.MESSAGE, typeName: self, label: Label.REPEATED },
    { name: "one_child", number: number++, type: Type.MESSAGE, typeName: self, label: Label.OPTIONAL, oneofIndex: 0 },
    // A field number past 15 and past 2047: two- and three-byte tags.
    { name: "far", number: 3000, type: Type.STRING, label: Label.OPTIONAL },
  );
  // Maps: an entry message per map (map_entry), keyed by each key type in turn.
  const entries: object[] = [];
  const map = (name: string, key: Type, value: Type, typeName?: string) => {
    const entry = `${name.replace(/(^|_)(\w)/g, (_, __, c: string) => c.toUpperCase())}Entry`;
    entries.push({
      name: entry,
      options: { mapEntry: true },
      field: [
        { name: "key", number: 1, type: key, label: Label.OPTIONAL, jsonName: "key" },
        { name: "value", number: 2, type: value, typeName, label: Label.OPTIONAL, jsonName: "value" },
      ],
    });
    fields.push({ name, number: number++, type: Type.MESSAGE, typeName: `${self}.${entry}`, label: Label.REPEATED });
  };
  map("by_string", Type.STRING, Type.STRING);
  map("by_int32", Type.INT32, Type.MESSAGE, self);
  map("by_bool", Type.BOOL, Type.BYTES);
  map("by_uint64", Type.UINT64, Type.ENUM, ".palisade.test.Colour");
  map("by_sint64", Type.SINT64, Type.DOUBLE);
  map("by_fixed32", Type.FIXED32, Type.SFIXED64);
  map("by_sfixed64", Type.SFIXED64, Type.FLOAT);
  return create(FileDescriptorProtoSchema, {
    name: "palisade/test/all_kinds.proto",
    package: "palisade.test",
    syntax: "proto3",
    dependency: ["google/protobuf/wrappers.proto"],
    messageType: [
      { name: "AllKinds", field: fields, oneofDecl: oneofs, nestedType: entries },
      // A wrapper field, which protobuf-es holds as the bare value: the encoder refuses it.
      { name: "Wrapped", field: [{ name: "count", number: 1, type: Type.MESSAGE, typeName: ".google.protobuf.Int32Value", label: Label.OPTIONAL }] },
    ],
    enumType: [{ name: "Colour", value: [{ name: "COLOUR_UNSPECIFIED", number: 0 }, { name: "COLOUR_RED", number: 1 }, { name: "COLOUR_BLUE", number: 7 }] }],
  });
}

/** A message type of the test file: `AllKinds` or `Wrapped`. */
export function allKindsSchema(name = "AllKinds"): DescMessage {
  const registry = createFileRegistry(allKindsFile(), (file) => (file === "google/protobuf/wrappers.proto" ? file_google_protobuf_wrappers : undefined));
  const schema = registry.getMessage(`palisade.test.${name}`);
  if (!schema) throw new Error(`${name} did not build`);
  return schema;
}
