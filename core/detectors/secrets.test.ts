import { describe, expect, it } from "vitest";
import { secretsDetector } from "./secrets.js";
import { checkCorpus, checkHold } from "./test-corpus.js";

const detector = secretsDetector();
const jwt = "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiIxMjM0NTY3ODkwIiwibmFtZSI6IkpvaG4ifQ.SflKxwRJSMeKKF2QT4fwpMeJf36POk6yJV_adQssw5c";
const key = ["-----BEGIN RSA PRIVATE KEY-----", "MIIEowIBAAKCAQEAu1SU1LfVLPHCozMxH2Mo4lgOEePzNm0tRgeLezV6ffAt0gun", "VTLw7onLRnrq0/IzW7yWR7QkrmBL7jTKEn5u+qKhbwKfBstIs+bMY2Zkp18gnTxK", "-----END RSA PRIVATE KEY-----"].join("\n");
const openSsh = ["-----BEGIN OPENSSH PRIVATE KEY-----", "b3BlbnNzaC1rZXktdjEAAAAABG5vbmUAAAAEbm9uZQAAAAAAAAABAAAAMwAAAAtzc2gtZW", "-----END OPENSSH PRIVATE KEY-----"].join("\n");

describe("secrets detector", () => {
  it("finds token shapes, key blocks and JWTs with exact spans", () => {
    checkCorpus(
      detector,
      [
        "sk-proj-Ab3dEfGhIjKlMnOpQrStUvWxYz0123456789_-abcDEF", "sk-svcacct-Ab3dEfGhIjKlMnOpQrStUvWxYz012345", "sk-Ab3dEfGhIjKlMnOpQrStUvWxYz0123456789AbCdEfGh",
        "sk-ant-api03-Ab3dEfGhIjKlMnOpQrStUvWxYz0123456789_-abcDEFghiJKLmnoPQRstuVWXyz0123456789AA", "AKIAIOSFODNN7EXAMPLE", "ASIAY34FZKBOKMUTVV7A",
        { text: "aws_secret_access_key = wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY", value: "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY" },
        { text: "AWS_SECRET_ACCESS_KEY: \"wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY\"", value: "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY" },
        // The name however it is written, "aws" or not, then ":", "=", "=>", "is" or nothing (a JSON key read joined with its value).
        ...["aws-secret-access-key=", "AwsSecretAccessKey", "SecretAccessKey\": \"", "aws secret access key is ", "secret_access_key => '", "S3 secret.access.key: "].map((name) => ({
          text: `${name}wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY`,
          value: "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY",
        })),
        "ghp_16C7e42F292c6912E7710c838347Ae178B4a", "gho_16C7e42F292c6912E7710c838347Ae178B4a",
        "github_pat_11ABCDEFG0123456789abc_0123456789abcdefghijABCDEFGHIJ0123456789abcdefghijklmnopqrstuvw",
        "xoxb-2048495039-1234567890123-AbCdEfGhIjKlMnOpQrStUvWx", "xoxp-2048495039-2048495039-2048495039-0123456789abcdef0123456789abcdef",
        "https://hooks.slack.com/services/T00000000/B00000000/XXXXXXXXXXXXXXXXXXXXXXXX", jwt, key, openSsh,
      ],
      [
        "sk-short", "task-management-system-overview-document", "sk-learn-compatible-estimator-pipeline", "sk-aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa",
        "ghp_aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa", "risk-assessment", "AKIA1234", "akiaiosfodnn7example", "ghp_short", "xoxb-1",
        "eyJhbGciOiJIUzI1NiJ9", "eyJub3QiOiJoZWFkZXIifQ.eyJzdWIiOiIxIn0.SflKxwRJSMeKKF2QT4fw", "-----BEGIN PUBLIC KEY-----\nMIIBIjANBgkq\n-----END PUBLIC KEY-----",
        "-----BEGIN CERTIFICATE-----\nMIIDdzCCAl+gAwIBAgIE\n-----END CERTIFICATE-----", "123e4567-e89b-12d3-a456-426614174000",
        "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY", "secret_access_key = wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY1", "the secret access key was rotated yesterday by the platform team", "sha256:9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08",
      ],
    );
  });

  it("names the kind", () => {
    const kinds = detector.find(`a AKIAIOSFODNN7EXAMPLE b ${jwt} c\n${key}`).map((finding) => finding.kind);
    expect(kinds).toEqual(["aws-access-key", "jwt", "private-key"]);
  });

  it("masks a key block cut off before its END line up to the end of its body", () => {
    const cut = key.split("\n").slice(0, 3).join("\n");
    expect(detector.find(`here:\n${cut}\n\nThat was my key.`).map((finding) => finding.value)).toEqual([cut]);
  });

  it("holds back an unterminated key block and a partial BEGIN marker in a stream", () => {
    expect(detector.holdFrom("text -----BEGIN RSA PRIVATE KEY-----\nMIIE")).toBe(5);
    expect(detector.holdFrom("text ---")).toBe(5);
    expect(detector.holdFrom("plain words. ")).toBe(13);
  });

  it("keeps a stream's findings final before the hold", () => {
    checkHold(detector, `use sk-proj-Ab3dEfGhIjKlMnOpQrStUvWxYz0123456789 and ${jwt}, then\n${key}\nand AKIAIOSFODNN7EXAMPLE.`);
  });
});
