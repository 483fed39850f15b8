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
        "41111111111111111111", "order 411111111111", "4111 1111 1111", "3.4111111111111111", "0,45391488", "1733530000123456", "1733530000123456789",
        "12345678901234567890", "2500000000000000000000", "1,234,567,890,123",
        "DE89 3704 0044 0532 0130 01", "123e4567-e89b-12d3-a456-426614174000", "2024-01-15 10:30:00",
      ],
    );
  });

  it("finds the card inside what surrounds it: digits, letters, signs, line breaks, number spellings (red team M3, M5)", () => {
    const found = (text: string) => detector.find(text).map((finding) => finding.value);
    expect(found("card 4111 1111 1111 1111 123")).toEqual(["4111 1111 1111 1111"]);
    expect(found("ref 12 4111 1111 1111 1111")).toEqual(["4111 1111 1111 1111"]);
    expect(found("04111111111111111")).toEqual(["04111111111111111"]);
    expect(found("411111111111111104")).toEqual(["411111111111111104"]);
    expect(found("card\n4111\n1111\n1111\n1111")).toEqual(["4111\n1111\n1111\n1111"]);
    expect(found("card\r\n4111\r\n1111\r\n1111\r\n1111")).toEqual(["4111\r\n1111\r\n1111\r\n1111"]);
    expect(found("jane,doe,4539148803436467,2029")).toEqual(["4539148803436467"]);
    expect(found("1,4539148803436467")).toEqual(["4539148803436467"]);
    expect(found("-4111111111111111")).toEqual(["4111111111111111"]);
    expect(found("4111111111111111.0")).toEqual(["4111111111111111"]);
    expect(found("4111111111111111.5")).toEqual(["4111111111111111"]);
    expect(found("card4111111111111111")).toEqual(["4111111111111111"]);
    expect(found("id_4111111111111111_x")).toEqual(["4111111111111111"]);
    expect(found("4111111111111111e0")).toEqual(["4111111111111111e0"]);
    expect(found("4.111111111111111e15")).toEqual(["4.111111111111111e15"]);
    expect(found("4.111111111111111E+15")).toEqual(["4.111111111111111E+15"]);
    expect(found("41111111111111110e-1")).toEqual(["41111111111111110e-1"]);
    expect(found("4111111111111111000000000000000")).toEqual(["4111111111111111000000000000000"]);
    expect(found("41111111111111115e-1")).toEqual(["41111111111111115"]); // not an integer, but the run holds the card with a digit glued on
    expect(found("4.1e15")).toEqual([]);
    expect(found("4111 -- 1111 -- 1111 -- 1111")).toEqual(["4111 -- 1111 -- 1111 -- 1111"]);
  });

  it("stops at the number when a year or more digits follow after a space", () => {
    expect(detector.find("card 4111 1111 1111 1111 2027 exp").map((finding) => finding.value)).toEqual(["4111 1111 1111 1111"]);
  });

  it("keeps a stream's findings final before the hold", () => {
    checkHold(detector, "pay with 4111 1111 1111 1111 or 378282246310005, not 4111 1111 1111 1112 or 4111 1111 1111 1111 3");
    checkHold(detector, "x,4539148803436467,y 04111111111111111 4.111111111111111e15 and 4111\n1111\n1111\n1111 12 ok");
  });
});
