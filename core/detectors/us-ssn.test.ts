import { describe, it } from "vitest";
import { usSsnDetector } from "./us-ssn.js";
import { checkCorpus, checkHold } from "./test-corpus.js";

const detector = usSsnDetector();

describe("US SSN detector", () => {
  it("finds valid SSNs and refuses never-issued ranges and look-alikes", () => {
    checkCorpus(
      detector,
      ["123-45-6789", "123 45 6789", "665-01-0001", "899-99-9999", "001-01-0001", "772-12-3456", "123.45.6789", "123–45–6789", "123—45—6789", "123−45−6789", "123‑45‑6789"],
      [
        "000-12-3456", "666-12-3456", "900-12-3456", "987-65-4321", "123-00-4567", "123-45-0000", "078-05-1120", "219-09-9999",
        "123-45 6789", "123456789", "1123-45-6789", "123-45-67890", "123-45-6789-1", "2024-01-15", "555-123-4567", "ISBN 978-3-16-148410-0", "1.123-45-6789",
        "123.45-6789", "123–45-6789", "1.123.45.6789", "123.45.6789.1", "v123.45.6789", "123.45.67890", "2024–01–15",
      ],
    );
  });

  it("keeps a stream's findings final before the hold", () => {
    checkHold(detector, "ssn 123-45-6789, not 666-12-3456 nor 123-45-67890, and 772 12 3456");
    checkHold(detector, "ssn 123–45–6789, or 772.12.3456; not 123.45.6789.1, nor 123—45—67890");
  });
});
