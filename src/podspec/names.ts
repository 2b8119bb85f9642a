import { fail, quote } from "./fields.ts";

const dnsLabelPattern = /^[a-z0-9](?:[-a-z0-9]{0,61}[a-z0-9])?$/;
const dnsSubdomainPattern = /^[a-z0-9](?:[-a-z0-9]*[a-z0-9])?(?:\.[a-z0-9](?:[-a-z0-9]*[a-z0-9])?)*$/;
const labelNamePattern = /^[A-Za-z0-9](?:[-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?$/;
const envNamePattern = /^[\x20-\x3c\x3e-\x7e]+$/;

function isDnsSubdomain(text: string): boolean {
  return text.length <= 253 && dnsSubdomainPattern.test(text);
}

/** A container, volume or port-less object name: an RFC 1123 label, as the API server requires. */
export function checkDnsLabel(name: string, path: string): string {
  if (!dnsLabelPattern.test(name)) {
    fail(`${path} must be a DNS label (at most 63 lowercase letters, digits and '-'), got ${quote(name)}`);
  }
  return name;
}

const ianaServiceNamePattern = /^[a-z0-9](?:[-a-z0-9]{0,13}[a-z0-9])?$/;

/**
 * A container port's name: an IANA service name (at most 15 lower-case letters, digits and '-', with a
 * letter, no '--', no '-' at either end), as the API server requires. It names the port in a stack's
 * endpoints, so nothing else may reach a route or the edge's map.
 */
export function checkPortName(name: string, path: string): string {
  if (!ianaServiceNamePattern.test(name) || !/[a-z]/.test(name) || name.includes("--")) {
    fail(
      `${path} must be an IANA service name (at most 15 lower-case letters, digits and '-', with a letter, no '--', no '-' at either end), got ${quote(name)}`,
    );
  }
  return name;
}

/** An object name: an RFC 1123 subdomain. */
export function checkDnsSubdomain(name: string, path: string): string {
  if (!isDnsSubdomain(name)) {
    fail(`${path} must be a DNS subdomain (lowercase letters, digits, '-' and '.'), got ${quote(name)}`);
  }
  return name;
}

/** The DNS prefix of a label or annotation key (`example.com` of `example.com/tier`), or "" when it has none. */
export function keyPrefix(key: string): string {
  const slash = key.indexOf("/");
  return slash < 0 ? "" : key.slice(0, slash);
}

/** Whether a key's prefix is `domain` or one of its subdomains. */
export function isUnderDomain(key: string, domain: string): boolean {
  const prefix = keyPrefix(key);
  return prefix === domain || prefix.endsWith(`.${domain}`);
}

/** A label or annotation key: an optional DNS subdomain and `/`, then a name of at most 63 characters. */
export function checkQualifiedKey(key: string, path: string): void {
  const slash = key.indexOf("/");
  const prefix = slash < 0 ? undefined : key.slice(0, slash);
  const name = slash < 0 ? key : key.slice(slash + 1);
  if ((prefix !== undefined && !isDnsSubdomain(prefix)) || !labelNamePattern.test(name)) {
    fail(
      `${path}: ${quote(key)} is not a valid key (an optional DNS prefix and '/', then at most 63 letters, digits, '-', '_' or '.')`,
    );
  }
}

/** A label value: empty, or at most 63 letters, digits, '-', '_' or '.' that start and end alphanumeric. */
export function checkLabelValue(value: string, path: string): void {
  if (value !== "" && !labelNamePattern.test(value)) {
    fail(`${path} must be a label value (at most 63 letters, digits, '-', '_' or '.'), got ${quote(value)}`);
  }
}

/** An environment variable name: printable ASCII other than '=', as the API server requires. */
export function checkEnvName(name: string, path: string): void {
  if (!envNamePattern.test(name)) {
    fail(`${path} must be printable ASCII without '=' (an environment variable name), got ${quote(name)}`);
  }
}
