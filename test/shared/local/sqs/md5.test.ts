import { describe, expect, it } from "vitest";
import { md5OfMessageAttributes } from "../../../../shared/local/sqs/index.js";

// Reference digests published with the npm package aws-md5-of-message-attributes (computed by SQS).
const binary = Buffer.from("Hello binary world!").toString("base64");

describe("md5OfMessageAttributes", () => {
  it("matches SQS for a string attribute", () => {
    expect(
      md5OfMessageAttributes({ attribName1: { DataType: "String", StringValue: "attribValue 1" } }),
    ).toBe("19e27d4e946b072f3f58da80d94fd778");
  });

  it("matches SQS for a custom number type", () => {
    const attributes = {
      customNumberTypeAttrib: {
        DataType: "Number.float",
        StringValue: "4563442423554324324264524243.32543234",
      },
    };
    expect(md5OfMessageAttributes(attributes)).toBe("9fe1b90bbd9965bdf77bac517c7d2495");
  });

  it("matches SQS for a binary attribute", () => {
    expect(md5OfMessageAttributes({ binaryAttribute: { DataType: "Binary", BinaryValue: binary } })).toBe(
      "31a92b15d92f8db860eda32aceb656c3",
    );
  });

  it("sorts attributes by name before hashing", () => {
    const attributes = {
      attribName1: { DataType: "String", StringValue: "attribValue 1" },
      customNumberTypeAttrib: {
        DataType: "Number.float",
        StringValue: "4563442423554324324264524243.32543234",
      },
      binaryAttribute: { DataType: "Binary", BinaryValue: binary },
    };
    expect(md5OfMessageAttributes(attributes)).toBe("c932db14a896c663f83c260297d594ff");
  });
});
