import type { Tags } from "yaml";

const floatTag = "tag:yaml.org,2002:float";
const timestampTag = "tag:yaml.org,2002:timestamp";

/** 1.1 floats that need a digit, as in Go's yaml: the library's own would read ".", "e5" or "-." as NaN. */
const digitFloat = /^[-+]?(?:[0-9][0-9_]*\.[0-9_]*|\.[0-9][0-9_]*)$/;
const digitFloatExp = /^[-+]?(?:[0-9][0-9_]*(?:\.[0-9_]*)?|\.[0-9][0-9_]*)[eE][-+]?[0-9]+$/;

/** The YAML 1.1 tags with floats that require a digit. */
export function withDigitFloats(tags: Tags): Tags {
  return tags.map((tag) => {
    if (typeof tag === "string" || tag.tag !== floatTag || !("test" in tag) || !tag.test) return tag;
    if (tag.format === "EXP") return { ...tag, test: digitFloatExp };
    return tag.test.test(".") ? { ...tag, test: digitFloat } : tag;
  });
}

/** YAML 1.1 as Kubernetes reads it (yes/no are booleans) except that dates and 12:30 stay strings, as in Go. */
export function kubernetesInputTags(tags: Tags): Tags {
  return withDigitFloats(tags).filter(
    (tag) => typeof tag === "string" || !(tag.format === "TIME" || tag.tag === timestampTag),
  );
}
