import { accepts, expectContainerField, type HostileCase, refuses, withContainer } from "./hostile-cases.ts";
import { helper, podYaml } from "./pod-spec-fixtures.ts";

const imageReason = (got: string) =>
  `spec.containers[0].image must be an image reference such as "registry:5000/team/app:1.0", got ${got}`;
const digest = `sha256:${"a".repeat(64)}`;

/** Image strings that are not OCI references, and the container fields around them. */
export const imageCases: HostileCase[] = [
  refuses(
    "refuses an image with a newline",
    withContainer({ image: "nginx:stable\nevil" }),
    imageReason('"nginx:stable\\nevil"'),
  ),
  refuses(
    "refuses an image with a NUL",
    withContainer({ image: "nginx\u0000:stable" }),
    imageReason('"nginx\\u0000:stable"'),
  ),
  refuses(
    "refuses an image with a right-to-left override, showing it escaped",
    withContainer({ image: "nginx:\u202eelbats" }),
    imageReason('"nginx:\\u202eelbats"'),
  ),
  refuses(
    "refuses an image with a right-to-left mark",
    withContainer({ image: "nginx\u200f:stable" }),
    imageReason('"nginx\\u200f:stable"'),
  ),
  refuses(
    "refuses an image with a zero-width space",
    withContainer({ image: "ngin\u200bx:stable" }),
    imageReason('"ngin\\u200bx:stable"'),
  ),
  refuses(
    "refuses an image with a space",
    withContainer({ image: "nginx stable" }),
    imageReason('"nginx stable"'),
  ),
  refuses(
    "refuses an image with a tab",
    withContainer({ image: "nginx\t:stable" }),
    imageReason('"nginx\\t:stable"'),
  ),
  refuses(
    "refuses an upper-case repository",
    withContainer({ image: "Nginx:stable" }),
    imageReason('"Nginx:stable"'),
  ),
  refuses(
    "refuses a path with ..",
    withContainer({ image: "registry/../evil" }),
    imageReason('"registry/../evil"'),
  ),
  refuses(
    "refuses a URL",
    withContainer({ image: "http://evil.example/x" }),
    imageReason('"http://evil.example/x"'),
  ),
  refuses(
    "refuses a short digest",
    withContainer({ image: "nginx@sha256:abc" }),
    imageReason('"nginx@sha256:abc"'),
  ),
  refuses(
    "refuses a tag of 129 characters",
    withContainer({ image: `nginx:${"a".repeat(129)}` }),
    imageReason(`"nginx:${"a".repeat(54)}...`),
  ),
  refuses(
    "refuses an image of 600 characters",
    withContainer({ image: `nginx:${"a".repeat(594)}` }),
    "spec.containers[0].image is 600 characters long, more than the limit of 512",
  ),
  refuses(
    "refuses a repository name over 255 characters",
    withContainer({ image: "ab/".repeat(90).concat("c") }),
    "spec.containers[0].image has a repository name longer than 255 characters",
  ),
  refuses(
    "refuses an init container image with a control character",
    podYaml({ spec: { initContainers: [helper("init", { image: "busybox\u0007" })] } }),
    'spec.initContainers[0].image must be an image reference such as "registry:5000/team/app:1.0", got "busybox\\u0007"',
  ),
  refuses(
    "refuses an image of only spaces as missing",
    withContainer({ image: "   " }),
    "spec.containers[0].image is required",
  ),
  accepts(
    "accepts a registry with a port, a tag and a digest",
    withContainer({ image: `registry.example.com:5000/team/app_1.2-x:v1.0@${digest}` }),
    (result) =>
      expectContainerField(result, "image", `registry.example.com:5000/team/app_1.2-x:v1.0@${digest}`),
  ),
  accepts("accepts an IPv6 registry", withContainer({ image: "[::1]:5000/app" }), (result) =>
    expectContainerField(result, "image", "[::1]:5000/app"),
  ),
  refuses(
    "refuses an imagePullPolicy that does not exist",
    withContainer({ imagePullPolicy: "Sometimes" }),
    'spec.containers[0].imagePullPolicy must be Always, IfNotPresent or Never, got "Sometimes"',
  ),
];
