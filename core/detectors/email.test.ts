import { describe, it } from "vitest";
import { emailDetector } from "./email.js";
import { checkCorpus, checkHold } from "./test-corpus.js";

const detector = emailDetector();

describe("email detector", () => {
  it("finds addresses with their exact spans and nothing in look-alikes", () => {
    checkCorpus(
      detector,
      ["jane.doe@example.com", "j.o.h.n+newsletter@mail.example.co.uk", "USER_42@Sub-Domain.Example.IO", "a@b.cd", "o'brien@example.org".slice(2), "first-last%tag@xn--bcher-kva.example", { text: "mailto:ops@example.net", value: "ops@example.net" },
        // An address glued to a longer run is found, not refused whole (red team M3).
        { text: "jane..doe@example.com", value: "doe@example.com" }, { text: "x..zoe.quill@example.org", value: "zoe.quill@example.org" },
        { text: `${"b".repeat(70)}zoe.quill@example.org`, value: `${"b".repeat(55)}zoe.quill@example.org` }, { text: "--jane@example.com", value: "jane@example.com" }],
      ["user@localhost", "pkg@1.2.3", "@scope/package", "icon@2x.png", "logo@3x.webp", "jane.@example.com", "a@@example.com", "user@-example.com", "user@example.c", "name @ example.com", "v1.2.3", "2024-01-15", "123e4567-e89b-12d3-a456-426614174000"],
    );
  });

  it("keeps a stream's findings final before the hold", () => {
    checkHold(detector, "write to jane.doe@example.com or ops@mail.example.org. then icon@2x.png and done");
    checkHold(detector, `mail ${"b".repeat(70)}zoe.quill@example.org and x..a@b.co, a@b.co@c.io`);
  });
});
