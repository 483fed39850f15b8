// TLS settings resolve like every other setting (flag, then environment, then unset) and come in pairs.
import { describe, expect, it } from "vitest";
import { adminSettings } from "./settings.js";
import { CliError } from "./errors.js";
import { agentTls, controlPlaneTls, upstreamCaFile } from "./tls-settings.js";

describe("TLS settings", () => {
  it("are unset by default (cleartext, Node's roots)", () => {
    expect(controlPlaneTls({}, {})).toBeUndefined();
    expect(agentTls({}, {})).toBeUndefined();
    expect(upstreamCaFile(undefined, {})).toBeUndefined();
    expect(adminSettings({ token: "t" }, {}).caFile).toBeUndefined();
  });

  it("take flags over their environment twins; an empty variable is unset", () => {
    const env = {
      PALISADE_TLS_CERT: "env-cert.pem",
      PALISADE_TLS_KEY: "env-key.pem",
      PALISADE_AGENT_TLS_CERT: "env-agent-cert.pem",
      PALISADE_AGENT_TLS_KEY: "env-agent-key.pem",
      PALISADE_CA_FILE: "env-ca.pem",
      PALISADE_UPSTREAM_CA_FILE: "",
    };
    expect(controlPlaneTls({}, env)).toEqual({ certFile: "env-cert.pem", keyFile: "env-key.pem" });
    expect(controlPlaneTls({ tlsCert: "flag-cert.pem" }, env)).toEqual({ certFile: "flag-cert.pem", keyFile: "env-key.pem" });
    expect(agentTls({ agentTlsKey: "flag-key.pem" }, env)).toEqual({ certFile: "env-agent-cert.pem", keyFile: "flag-key.pem" });
    expect(adminSettings({ token: "t" }, env).caFile).toBe("env-ca.pem");
    expect(adminSettings({ token: "t", caFile: "flag-ca.pem" }, env).caFile).toBe("flag-ca.pem");
    expect(upstreamCaFile(undefined, env)).toBeUndefined();
    expect(upstreamCaFile("up.pem", env)).toBe("up.pem");
  });

  it("refuse a certificate without its key, and a key without its certificate", () => {
    expect(() => controlPlaneTls({ tlsCert: "c.pem" }, {})).toThrow(
      new CliError("--tls-cert needs --tls-key (or PALISADE_TLS_KEY): a certificate and its key go together"),
    );
    expect(() => agentTls({}, { PALISADE_AGENT_TLS_KEY: "k.pem" })).toThrow(
      new CliError("--agent-tls-key needs --agent-tls-cert (or PALISADE_AGENT_TLS_CERT): a certificate and its key go together"),
    );
  });
});
