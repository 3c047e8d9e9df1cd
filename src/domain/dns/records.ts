// DNS answers as a cut-over reasons about them: MX, TXT and CNAME records with their TTLs.
// Pure values; the resolver that fetches them is a port (src/ports/dns.ts).

export interface MxRecord {
  exchange: string;
  priority: number;
  ttl: number;
}

export interface TxtRecord {
  text: string;
  ttl: number;
}

export interface CnameRecord {
  target: string;
  ttl: number;
}

/** ok with no records = NODATA (the name exists, not this type); nxdomain = no such name. */
export type DnsAnswer<T> = { status: 'ok'; records: T[] } | { status: 'nxdomain' } | { status: 'error'; detail: string };
