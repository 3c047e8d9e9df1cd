// Reading a domain's DNS as a cut-over needs it: MX, TXT and CNAME records with their TTLs
// (Node's own resolver cannot give an MX record's TTL; see the dns2 adapter).

import type { CnameRecord, DnsAnswer, MxRecord, TxtRecord } from '../domain/dns/records';

export type { CnameRecord, DnsAnswer, MxRecord, TxtRecord };

export interface DnsResolver {
  /** Which server answered, e.g. "127.0.0.1:5353" or "system". */
  readonly label: string;
  mx(name: string): Promise<DnsAnswer<MxRecord>>;
  txt(name: string): Promise<DnsAnswer<TxtRecord>>;
  cname(name: string): Promise<DnsAnswer<CnameRecord>>;
}
