// The syslog sink dials only where a webhook could: never the cloud metadata endpoint (or another
// link-local, unspecified, multicast or reserved address), however it is written.
import { describe, expect, it } from "vitest";
import { RefusedAddressError } from "../../webhooks/webhook-address.js";
import { createSyslogTarget } from "./syslog-target.js";

describe("the syslog target's addresses", () => {
  it("refuses link-local, unspecified and multicast addresses, also carried in NAT64 or 6to4, before dialling", async () => {
    for (const address of ["169.254.169.254:514", "[fd00:ec2::254]:514", "[64:ff9b::a9fe:a9fe]:514", "[2002:a9fe:a9fe::1]:6514", "0.0.0.0:514", "224.0.0.1:514"]) {
      for (const tls of [false, true]) {
        const target = createSyslogTarget({ address, tls, caFile: "", appName: "palisade", connectTimeoutMs: 1000 });
        await expect(target.deliver([]), address).rejects.toBeInstanceOf(RefusedAddressError);
        await target.close();
      }
    }
  });
});
