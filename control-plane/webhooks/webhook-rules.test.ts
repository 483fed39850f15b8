import { describe, expect, it } from "vitest";
import { addressProblem, embeddedIpv4, refusedAddressProblem } from "./webhook-address.js";
import { MAX_WEBHOOK_URL_LENGTH, webhookOrigin, webhookUrlProblem } from "./webhook-url.js";

describe("webhookUrlProblem", () => {
  it("accepts https anywhere and http to this machine", () => {
    for (const url of ["https://hooks.example.com/x?token=1", "https://10.0.0.5:8443/", "http://localhost:9000/hook", "http://127.8.0.1/", "http://[::1]:81/"]) {
      expect(webhookUrlProblem(url), url).toBeUndefined();
    }
  });

  it("refuses other schemes, credentials, clear text over a network and overlong URLs", () => {
    expect(webhookUrlProblem("ftp://hooks.example.com")).toBe("must be an http(s) URL");
    expect(webhookUrlProblem("file:///etc/passwd")).toBe("must be an http(s) URL");
    expect(webhookUrlProblem("hooks.example.com/x")).toBe("must be an http(s) URL");
    expect(webhookUrlProblem("https://user@hooks.example.com/")).toBe("must not carry credentials (user:password@)");
    expect(webhookUrlProblem("https://:pw@hooks.example.com/")).toBe("must not carry credentials (user:password@)");
    expect(webhookUrlProblem("http://hooks.internal/review")).toMatch(/^must be https/);
    expect(webhookUrlProblem("http://127.0.0.1.example.com/")).toMatch(/^must be https/);
    expect(webhookUrlProblem(`https://h.example.com/${"a".repeat(MAX_WEBHOOK_URL_LENGTH)}`)).toMatch(/at most 2048 characters/);
  });

  it("logs only the origin: paths and queries often carry a secret", () => {
    expect(webhookOrigin("https://hooks.slack.com/services/T000/B000/XXXX?x=1")).toBe("https://hooks.slack.com");
  });
});

describe("addressProblem", () => {
  it("refuses unspecified, link-local (cloud metadata), multicast and reserved addresses", () => {
    for (const address of ["0.0.0.0", "169.254.169.254", "::ffff:169.254.169.254", "fe80::1", "fd00:ec2::254", "224.0.0.1", "255.255.255.255", "::", "ff02::1"]) {
      expect(addressProblem(address, "https:"), address).toMatch(/unspecified, link-local, multicast or reserved/);
    }
  });

  it("judges an IPv6 address by the IPv4 one it carries for a translator or tunnel (NAT64, 6to4, IPv4-compatible)", () => {
    for (const address of ["64:ff9b::a9fe:a9fe", "64:ff9b::169.254.169.254", "64:FF9B:0:0:0:0:A9FE:A9FE", "64:ff9b:1::a9fe:a9fe", "2002:a9fe:a9fe::1", "::169.254.169.254", "64:ff9b::e000:1", "64:ff9b::0.0.0.0"]) {
      expect(addressProblem(address, "https:"), address).toMatch(/carries .*unspecified, link-local, multicast or reserved/);
      expect(refusedAddressProblem(address), address).toBeDefined();
    }
    expect(embeddedIpv4("64:ff9b::a9fe:a9fe")).toBe("169.254.169.254");
    expect(embeddedIpv4("2002:0a01:0203::1")).toBe("10.1.2.3");
    for (const address of ["64:ff9b::808:808", "2002:5db8:d822::1", "::1", "::", "2001:db8::a9fe:a9fe"]) {
      expect(refusedAddressProblem(address) ?? "", address).not.toMatch(/carries/);
    }
  });

  it("allows public, private and loopback addresses over https; plain http only to loopback", () => {
    for (const address of ["93.184.216.34", "10.1.2.3", "192.168.1.1", "127.0.0.1", "::1", "2001:db8::1"]) {
      expect(addressProblem(address, "https:"), address).toBeUndefined();
    }
    expect(addressProblem("127.0.0.1", "http:")).toBeUndefined();
    expect(addressProblem("::1", "http:")).toBeUndefined();
    expect(addressProblem("10.1.2.3", "http:")).toMatch(/not a loopback address/);
  });
});
