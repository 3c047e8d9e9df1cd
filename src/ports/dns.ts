// Reading a domain's DNS as a cut-over needs it: MX, TXT and CNAME records with their TTLs
// (Node's own resolver cannot give an MX record's TTL; see the dns2 adapter).

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
export type DnsAnswer<T> =
  | { status: 'ok'; records: T[] }
  | { status: 'nxdomain' }
  | { status: 'error'; detail: string };

export interface DnsResolver {
  /** Which server answered, e.g. "127.0.0.1:5353" or "system". */
  readonly label: string;
  mx(name: string): Promise<DnsAnswer<MxRecord>>;
  txt(name: string): Promise<DnsAnswer<TxtRecord>>;
  cname(name: string): Promise<DnsAnswer<CnameRecord>>;
}
