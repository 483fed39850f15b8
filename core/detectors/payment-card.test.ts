import { describe, expect, it } from "vitest";
import { luhnValid, paymentCardDetector } from "./payment-card.js";
import { checkCorpus, checkHold } from "./test-corpus.js";

const detector = paymentCardDetector();

describe("payment card detector", () => {
  it("implements Luhn", () => {
    expect(luhnValid("4111111111111111")).toBe(true);
    expect(luhnValid("4111111111111112")).toBe(false);
    expect(luhnValid("79927398713")).toBe(true);
  });

  it("finds Luhn-valid card numbers in common groupings and nothing in look-alikes", () => {
    checkCorpus(
      detector,
      [
        "4111111111111111", "4111 1111 1111 1111", "4111-1111-1111-1111", "5555 5555 5555 4444", "2223 0031 2200 3222",
        "378282246310005", "3782 822463 10005", "3056 930902 5904", "6011 1111 1111 1117", "4222222222222", "6062 8266 5625 1118 019",
        "4111.1111.1111.1111", "4111/1111/1111/1111", "4111  1111  1111  1111", "4111-1111 1111-1111", "4111 _ 1111 _ 1111 _ 1111",
        "3782.822463.10005", "4 1 1 1 1 1 1 1 1 1 1 1 1 1 1 1", "4-1-1-1-1-1-1-1-1-1-1-1-1-1-1-1",
      ],
      [
        "4111 1111 1111 1112", "4111 1111 1111 1112", "1700000000000", "3782 822463.10005", "4 1 1 1 1 1 1 1-1 1 1 1 1 1 1 1", "1234567812345670", "0000 0000 0000 0000", "4444444444444444",
        "41111111111111111111", "order 411111111111", "4111 1111 1111", "3.4111111111111111", "4111111111111111.5", "v4111111111111111",
        "DE89 3704 0044 0532 0130 01", "123e4567-e89b-12d3-a456-426614174000", "2024-01-15 10:30:00",
      ],
    );
  });

  it("stops at the number when a year or more digits follow after a space", () => {
    expect(detector.find("card 4111 1111 1111 1111 2027 exp").map((finding) => finding.value)).toEqual(["4111 1111 1111 1111"]);
  });

  it("keeps a stream's findings final before the hold", () => {
    checkHold(detector, "pay with 4111 1111 1111 1111 or 378282246310005, not 4111 1111 1111 1112 or 4111 1111 1111 1111 3");
  });
});
