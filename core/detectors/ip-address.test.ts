import { describe, expect, it } from "vitest";
import { ipAddressDetector } from "./ip-address.js";
import { checkCorpus, checkHold } from "./test-corpus.js";

const detector = ipAddressDetector();

describe("IP address detector", () => {
  it("finds IPv4 and IPv6 addresses and nothing in look-alikes", () => {
    checkCorpus(
      detector,
      [
        "192.168.1.10", "10.0.0.1", "255.255.255.255", "0.0.0.0", "8.8.8.8", { text: "host=172.16.254.1:8080", value: "172.16.254.1" },
        "2001:db8::1", "2001:0db8:85a3:0000:0000:8a2e:0370:7334", "fe80::1ff:fe23:4567:890a", "::1", "::ffff:192.0.2.128",
        { text: "[2001:db8::2]:443", value: "2001:db8::2" }, "FE80::ABCD",
      ],
      [
        "256.1.1.1", "1.2.3", "1.2.3.4.5", "v1.2.3.4", "version1.2.3.4", "01.02.03.04", "192.168.1", "999.999.999.999",
        "12:34:56", "10:30", "00:1A:2B:3C:4D:5E", "std::vector", "Foo::Bar", "::", "2024-01-15", "1:2:3:4:5:6:7:8:9",
        "123e4567-e89b-12d3-a456-426614174000", "a::b::c",
        "16:27:ac:a5:76:28:2d:36:63:1b:56:4d:eb:df:a6:48", "SHA256:nThbg6kXUpJWGl7E1IGOCspRomTxdCARLviKw6E5SY8",
      ],
    );
  });

  it("names the kind", () => {
    expect(detector.find("from 10.0.0.1 to ::1").map((finding) => finding.kind)).toEqual(["ipv4", "ipv6"]);
  });

  it("keeps a stream's findings final before the hold", () => {
    checkHold(detector, "from 192.168.1.10 to 2001:db8::1, not 256.1.1.1 or 1.2.3.4.5; end 10.0.0.1.");
  });
});
