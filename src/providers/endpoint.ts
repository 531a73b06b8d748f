import { lookup as dnsLookup } from "node:dns/promises";
import { BlockList, isIP } from "node:net";
import { UsageError } from "../errors.js";

/** How a host name becomes addresses: `dns.promises.lookup` with `all: true` (tests pass their own). */
export type Resolver = (host: string) => Promise<{ address: string; family: number }[]>;

const systemResolver: Resolver = (host) => dnsLookup(host, { all: true, verbatim: true });

/** An endpoint that passed the data-stays-home rule, with the one address every connection must use. */
export interface CheckedEndpoint {
  /** The URL without user-info, query or fragment: safe to write into run files. */
  baseUrl: string;
  /** The host name as written (what the Host header and TLS name carry). */
  hostname: string;
  /** The address that was checked; connections are pinned to it, so DNS cannot change the answer later. */
  address: string;
  family: 4 | 6;
  /** True when the host was let through by `--allow-remote` rather than by being loopback. */
  remote: boolean;
}

const LOOPBACK = new BlockList();
LOOPBACK.addSubnet("127.0.0.0", 8, "ipv4");
LOOPBACK.addAddress("::1", "ipv6");
LOOPBACK.addSubnet("::ffff:127.0.0.0", 104, "ipv6");

/** 127.0.0.0/8, ::1, and IPv4-mapped 127.x (`::ffff:127.0.0.1`). Anything else, names included, is not loopback. */
export function isLoopbackAddress(address: string): boolean {
  const bare = address.replace(/^\[|\]$/g, "");
  const kind = isIP(bare);
  return kind !== 0 && LOOPBACK.check(bare, kind === 4 ? "ipv4" : "ipv6");
}

/**
 * MIMIC-IV is credentialed data: its use agreement forbids sending it to third parties. The rule is
 * decided on addresses, not names (`127.example.com` is a name that DNS may send anywhere): the host
 * is resolved once, every address it resolves to must be loopback unless the user named the host in
 * `--allow-remote`, and the caller pins its connections to the address checked here. User-info in the
 * URL is refused: it would be written into run files, and the SDK would not even send it.
 */
export async function checkEndpoint(
  baseUrl: string,
  allowRemote: readonly string[],
  resolver: Resolver = systemResolver,
): Promise<CheckedEndpoint> {
  let url: URL;
  try {
    url = new URL(baseUrl);
  } catch {
    throw new UsageError(`--base-url ${redactUrl(baseUrl)} is not a URL`);
  }
  if (url.protocol !== "http:" && url.protocol !== "https:")
    throw new UsageError(`--base-url ${redactUrl(baseUrl)}: only http and https are supported`);
  if (url.username || url.password) {
    throw new UsageError(
      `--base-url must not carry a user name or password (they would be written into run files); pass an API key in OPENAI_API_KEY instead`,
    );
  }
  const hostname = url.hostname.replace(/^\[|\]$/g, "").toLowerCase();
  const allowed = allowRemote.map((h) => h.toLowerCase().replace(/^\[|\]$/g, "")).includes(hostname);
  let addresses: { address: string; family: number }[];
  if (isIP(hostname)) {
    addresses = [{ address: hostname, family: isIP(hostname) }];
  } else {
    try {
      addresses = await resolver(hostname);
    } catch (error) {
      throw new UsageError(
        `--base-url ${hostname}: the name does not resolve (${(error as NodeJS.ErrnoException).code ?? (error as Error).message})`,
      );
    }
    if (!addresses.length) throw new UsageError(`--base-url ${hostname}: the name resolves to no address`);
  }
  const outside = addresses.filter((a) => !isLoopbackAddress(a.address));
  if (outside.length && !allowed) {
    const where = isIP(hostname)
      ? "it is not a loopback address"
      : `it resolves to ${outside.map((a) => a.address).join(", ")}, which ${outside.length > 1 ? "are" : "is"} not loopback`;
    throw new UsageError(
      `refusing to send EHR data to ${hostname}: ${where}. If you may share this data with that host, pass --allow-remote ${hostname}`,
    );
  }
  const first = addresses[0]!;
  const clean = new URL(url.href);
  clean.search = "";
  clean.hash = "";
  return {
    baseUrl: clean.href.replace(/\/$/, ""),
    hostname,
    address: first.address,
    family: first.family === 6 ? 6 : 4,
    remote: outside.length > 0,
  };
}

/** A URL as it may be printed: user-info, query and fragment removed. */
export function redactUrl(text: string): string {
  try {
    const url = new URL(text);
    url.username = "";
    url.password = "";
    url.search = "";
    url.hash = "";
    return url.href;
  } catch {
    return text.replace(/\/\/[^/@\s]*@/, "//");
  }
}
