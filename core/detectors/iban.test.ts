import { describe, expect, it } from "vitest";
import { ibanChecksumValid, ibanDetector } from "./iban.js";
import { checkCorpus, checkHold } from "./test-corpus.js";

const detector = ibanDetector();

describe("IBAN detector", () => {
  it("implements mod-97", () => {
    expect(ibanChecksumValid("DE89370400440532013000")).toBe(true);
    expect(ibanChecksumValid("DE89370400440532013001")).toBe(false);
  });

  it("finds IBANs compact and grouped, with their exact spans, and nothing in look-alikes", () => {
    checkCorpus(
      detector,
      [
        "DE89 3704 0044 0532 0130 00", "DE89370400440532013000", "GB82 WEST 1234 5698 7654 32", "GB82WEST12345698765432",
        "FR14 2004 1010 0505 0001 3M02 606", "NL91 ABNA 0417 1643 00", "BE68 5390 0754 7034", "NO93 8601 1117 947",
        "CH93 0076 2011 6238 5295 7", "ES91 2100 0418 4502 0005 1332", { text: "IBAN: IT60X0542811101000000123456", value: "IT60X0542811101000000123456" },
        "de89 3704 0044 0532 0130 00", "gb82west12345698765432", "Gb82 West 1234 5698 7654 32", "GB82-WEST-1234-5698-7654-32", "DE89.3704.0044.0532.0130.00",
        "GB 82WE ST12 3456 9876 5432", "DE89 370400440532013000", "de 89 3704 0044 0532 0130 00", "nl91abna0417164300",
      ],
      [
        "DE89 3704 0044 0532 0130 01", "DE89370400440532013001", "GB82 WEST 1234 5698 7654 33", "XX89 3704 0044 0532 0130 00",
        "DE89 3704 0044 0532 0130", "AB12CD34EF56GH78", "DE89-3704.0044 0532 0130 00", "gb82 west 1234 5698 7654 33",
        "at 10 am the meeting was moved, then at 11 it ran over again", "AT 10 AM THE MEETING WAS MOVED AGAIN TODAY",
        // Valid checksum and length, but lower case and mostly letters: prose, not an account number.
        "at07themeetingmoveds", "at07 them eeti ngmo veds", "AT07 THEME ETINGMOVEDS", "ISO8601 2024 0115", "SHA256 ABCD EFGH 1234 5678",
      ],
    );
  });

  it("cuts a candidate that runs into one more group back to the country's length", () => {
    expect(detector.find("BE68 5390 0754 7034 1234 ref").map((finding) => finding.value)).toEqual(["BE68 5390 0754 7034"]);
  });

  it("keeps a stream's findings final before the hold", () => {
    checkHold(detector, "pay DE89 3704 0044 0532 0130 00 or GB82WEST12345698765432, not DE89 3704 0044 0532 0130 01 end");
    checkHold(detector, "pay gb82-west-1234-5698-7654-32, or DE89.3704.0044.0532.0130.00; or GB 82WE ST12 3456 9876 5432, at 10 am");
  });
});
