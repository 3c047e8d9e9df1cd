// Local mode's DNS for the demo domain (contoso.edu): MX at the old server with a lowered TTL
// until the cut-over plan's "switch MX" step, then Exchange Online's MX; SPF and autodiscover
// already set. Any other name is NXDOMAIN. The card names this resolver "demo DNS".

import type { CnameRecord, DnsAnswer, DnsResolver, MxRecord, TxtRecord } from '../../ports/dns';
import { exchangeMxTarget } from '../../domain/cutover/dnsReadiness';

export class DemoDnsResolver implements DnsResolver {
  readonly label = 'demo DNS (local mode)';
  constructor(
    private readonly domain: string,
    private readonly switched: (domain: string) => Promise<boolean>,
    private readonly ttl = 60,
  ) {}

  async mx(name: string): Promise<DnsAnswer<MxRecord>> {
    if (name !== this.domain) return { status: 'nxdomain' };
    const host = (await this.switched(name)) ? exchangeMxTarget(name) : `mail.${name}`;
    return { status: 'ok', records: [{ exchange: host, priority: 10, ttl: this.ttl }] };
  }

  async txt(name: string): Promise<DnsAnswer<TxtRecord>> {
    if (name !== this.domain) return { status: 'nxdomain' };
    return { status: 'ok', records: [{ text: 'v=spf1 mx include:spf.protection.outlook.com -all', ttl: 3600 }] };
  }

  async cname(name: string): Promise<DnsAnswer<CnameRecord>> {
    if (name !== `autodiscover.${this.domain}`) return { status: 'nxdomain' };
    return { status: 'ok', records: [{ target: 'autodiscover.outlook.com', ttl: 3600 }] };
  }
}
