// DnsResolver over npm dns2 (pinned 3.1.1): unlike Node's resolver it returns each record's TTL,
// which the cut-over plan needs for the MX record. One resolver per configured server, so the
// bot can say from which resolvers a switch is already visible.

import DNS from 'dns2';
import type { CnameRecord, DnsAnswer, DnsResolver, MxRecord, TxtRecord } from '../../ports/dns';
import { errorText } from '../../lib/errorText';

export interface DnsServerAddress {
  host: string;
  port: number;
}

/** "127.0.0.1:5353,10.0.0.2" → servers (port 53 when not given). Throws on a malformed entry. */
export function parseDnsServers(text: string): DnsServerAddress[] {
  return text
    .split(/[,\s]+/)
    .map((s) => s.trim())
    .filter(Boolean)
    .map((entry) => {
      const m = /^\[?([0-9A-Za-z.:-]+?)\]?(?::(\d{1,5}))?$/.exec(entry);
      const port = m?.[2] ? Number(m[2]) : 53;
      if (!m || port < 1 || port > 65535) throw new Error(`"${entry}" is not a DNS server (host or host:port).`);
      return { host: m[1], port };
    });
}

const TYPE = { MX: 15, TXT: 16, CNAME: 5 } as const;

interface Resource {
  name: string;
  type: number;
  ttl: number;
  exchange?: string;
  priority?: number;
  data?: string | string[];
  domain?: string;
}

export class Dns2Resolver implements DnsResolver {
  readonly label: string;
  private readonly client: DNS;

  constructor(
    server: DnsServerAddress,
    private readonly options: { timeoutMs?: number; protocol?: 'UDP' | 'TCP' } = {},
  ) {
    this.label = `${server.host}:${server.port}`;
    this.client = new DNS({
      nameServers: [server.host],
      port: server.port,
      timeout: options.timeoutMs ?? 3000,
      resolverProtocol: options.protocol ?? 'UDP',
      recursive: true,
    });
  }

  private async query<T>(name: string, type: keyof typeof TYPE, map: (r: Resource) => T): Promise<DnsAnswer<T>> {
    try {
      const packet = (await this.client.resolve(name, type)) as unknown as { header: { rcode: number }; answers: Resource[] };
      if (packet.header.rcode === 3) return { status: 'nxdomain' };
      if (packet.header.rcode !== 0) return { status: 'error', detail: `${this.label} answered rcode ${packet.header.rcode} for ${type} ${name}` };
      return { status: 'ok', records: packet.answers.filter((a) => a.type === TYPE[type]).map(map) };
    } catch (err) {
      return { status: 'error', detail: errorText(err) };
    }
  }

  mx(name: string): Promise<DnsAnswer<MxRecord>> {
    return this.query(name, 'MX', (r) => ({ exchange: stripDot(r.exchange ?? ''), priority: r.priority ?? 0, ttl: r.ttl }));
  }

  txt(name: string): Promise<DnsAnswer<TxtRecord>> {
    // A TXT record's character-strings are one value (SPF may be split over several).
    return this.query(name, 'TXT', (r) => ({ text: Array.isArray(r.data) ? r.data.join('') : String(r.data ?? ''), ttl: r.ttl }));
  }

  cname(name: string): Promise<DnsAnswer<CnameRecord>> {
    return this.query(name, 'CNAME', (r) => ({ target: stripDot(r.domain ?? ''), ttl: r.ttl }));
  }
}

function stripDot(name: string): string {
  return name.replace(/\.$/, '').toLowerCase();
}
