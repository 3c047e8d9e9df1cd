// What a domain's DNS must say before and after the MX switch to Exchange Online, and the
// exact record to set when it does not. Pure: answers come in, checks come out.

import type { CnameRecord, DnsAnswer, MxRecord, TxtRecord } from '../dns/records';

/** Exchange Online's SPF include and autodiscover target. */
export const EXCHANGE_SPF_INCLUDE = 'include:spf.protection.outlook.com';
export const EXCHANGE_AUTODISCOVER = 'autodiscover.outlook.com';
/** Microsoft's cut-over advice: the MX TTL at most one hour before the switch. */
export const MAX_SWITCH_TTL_SECONDS = 3600;

/** contoso.edu → contoso-edu (the label Exchange puts in front of its MX host names). */
export function exchangeMxLabel(domain: string): string {
  return normalizeDomain(domain).replace(/\./g, '-');
}

/** The MX host Exchange gives for the domain (the classic form). */
export function exchangeMxTarget(domain: string): string {
  return `${exchangeMxLabel(domain)}.mail.protection.outlook.com`;
}

/**
 * True for either form Exchange hands out: `<label>.mail.protection.outlook.com`, or the newer
 * DNSSEC-capable `<label>.<zone>.mx.microsoft`.
 */
export function isExchangeMx(domain: string, host: string): boolean {
  const h = host.toLowerCase().replace(/\.$/, '');
  const label = exchangeMxLabel(domain);
  if (h === `${label}.mail.protection.outlook.com`) return true;
  return h.startsWith(`${label}.`) && h.endsWith('.mx.microsoft');
}

export function normalizeDomain(domain: string): string {
  return domain.trim().toLowerCase().replace(/\.$/, '');
}

const DOMAIN = /^(?=.{1,253}$)([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z][a-z0-9-]{0,62}$/;
export function isDomainName(text: string): boolean {
  return DOMAIN.test(normalizeDomain(text));
}

export type MxState = 'old' | 'mid-switch' | 'exchange' | 'none' | 'unknown';
export type CheckState = 'ready' | 'not-ready' | 'warn';

export interface DnsCheck {
  id: 'mx' | 'mx-ttl' | 'spf' | 'autodiscover';
  title: string;
  state: CheckState;
  /** What DNS says now. */
  found: string;
  /** The exact record to set (zone-file form) when not ready. */
  fix?: string;
}

export interface MxReading {
  state: MxState;
  exchangeHosts: string[];
  otherHosts: string[];
  /** Highest TTL in the MX RRset, seconds (null when unknown). */
  ttl: number | null;
  detail?: string;
}

export function readMx(domain: string, answer: DnsAnswer<MxRecord>): MxReading {
  if (answer.status === 'error') return { state: 'unknown', exchangeHosts: [], otherHosts: [], ttl: null, detail: answer.detail };
  if (answer.status === 'nxdomain') return { state: 'none', exchangeHosts: [], otherHosts: [], ttl: null, detail: `${domain} does not exist in DNS` };
  const records = [...answer.records].sort((a, b) => a.priority - b.priority);
  if (records.length === 0) return { state: 'none', exchangeHosts: [], otherHosts: [], ttl: null };
  const exchangeHosts = records.filter((r) => isExchangeMx(domain, r.exchange)).map((r) => r.exchange);
  const otherHosts = records.filter((r) => !isExchangeMx(domain, r.exchange)).map((r) => r.exchange);
  const ttl = Math.max(...records.map((r) => r.ttl));
  const state: MxState = otherHosts.length === 0 ? 'exchange' : exchangeHosts.length === 0 ? 'old' : 'mid-switch';
  return { state, exchangeHosts, otherHosts, ttl };
}

export interface DnsReadiness {
  domain: string;
  mx: MxReading;
  checks: DnsCheck[];
  /** Everything Exchange needs is in place and mail already goes to Exchange. */
  switched: boolean;
  /** Ready to switch: TTL low, SPF and autodiscover fine (MX may still be old). */
  readyToSwitch: boolean;
}

/** Judges one resolver's view of the domain. */
export function assessDns(
  domainInput: string,
  answers: { mx: DnsAnswer<MxRecord>; txt: DnsAnswer<TxtRecord>; autodiscover: DnsAnswer<CnameRecord> },
): DnsReadiness {
  const domain = normalizeDomain(domainInput);
  const target = exchangeMxTarget(domain);
  const mx = readMx(domain, answers.mx);
  const checks: DnsCheck[] = [];
  const mxFix = `${domain}. 3600 IN MX 0 ${target}.`;

  const mxFound =
    mx.state === 'unknown'
      ? `no answer (${mx.detail ?? 'lookup failed'})`
      : mx.state === 'none'
        ? 'no MX record'
        : [...mx.exchangeHosts, ...mx.otherHosts].join(', ');
  if (mx.state === 'exchange') {
    checks.push({ id: 'mx', title: 'MX points at Exchange Online', state: 'ready', found: mxFound });
  } else if (mx.state === 'mid-switch') {
    checks.push({
      id: 'mx',
      title: 'MX is half switched: some records still point at the old server',
      state: 'warn',
      found: mxFound,
      fix: `remove the MX records for ${mx.otherHosts.join(', ')}; keep ${mxFix}`,
    });
  } else {
    checks.push({ id: 'mx', title: 'MX still points at the old server', state: 'not-ready', found: mxFound, fix: `at the switch: ${mxFix}` });
  }

  if (mx.ttl !== null) {
    const low = mx.ttl <= MAX_SWITCH_TTL_SECONDS;
    checks.push({
      id: 'mx-ttl',
      title: low ? `MX TTL is ${mx.ttl} s (≤ ${MAX_SWITCH_TTL_SECONDS} s)` : `MX TTL is ${mx.ttl} s: lower it well before the switch`,
      state: low || mx.state === 'exchange' ? 'ready' : 'not-ready',
      found: `${mx.ttl} s`,
      fix: low ? undefined : `${domain}. ${MAX_SWITCH_TTL_SECONDS} IN MX <priority> <current host>.  (then wait ${mx.ttl} s for the old TTL to run out)`,
    });
  }

  checks.push(assessSpf(domain, answers.txt));
  checks.push(assessAutodiscover(domain, answers.autodiscover));

  const byId = (id: DnsCheck['id']) => checks.find((c) => c.id === id);
  const readyToSwitch = byId('spf')?.state === 'ready' && byId('autodiscover')?.state === 'ready' && (byId('mx-ttl')?.state ?? 'not-ready') === 'ready';
  return { domain, mx, checks, switched: mx.state === 'exchange' && readyToSwitch, readyToSwitch };
}

function assessSpf(domain: string, txt: DnsAnswer<TxtRecord>): DnsCheck {
  const title = 'SPF includes Exchange Online';
  if (txt.status === 'error') return { id: 'spf', title, state: 'not-ready', found: `no answer (${txt.detail})` };
  const spf = txt.status === 'ok' ? txt.records.filter((r) => /^v=spf1(\s|$)/i.test(r.text.trim())) : [];
  const fixFor = (current?: string) => {
    if (!current) return `${domain}. 3600 IN TXT "v=spf1 ${EXCHANGE_SPF_INCLUDE} -all"`;
    const terms = current.trim().split(/\s+/);
    const allAt = terms.findIndex((t) => /^[~?+-]?all$/i.test(t));
    const withInclude = allAt === -1 ? [...terms, EXCHANGE_SPF_INCLUDE] : [...terms.slice(0, allAt), EXCHANGE_SPF_INCLUDE, ...terms.slice(allAt)];
    return `${domain}. 3600 IN TXT "${withInclude.join(' ')}"`;
  };
  if (spf.length === 0) return { id: 'spf', title, state: 'not-ready', found: 'no SPF record', fix: fixFor() };
  if (spf.length > 1) {
    return {
      id: 'spf',
      title: 'More than one SPF record: receivers treat that as an error',
      state: 'not-ready',
      found: spf.map((r) => r.text).join(' | '),
      fix: `one record only: ${fixFor(spf[0].text).replace(/^.*? TXT /, `${domain}. 3600 IN TXT `)}`,
    };
  }
  const text = spf[0].text;
  const has = text.toLowerCase().split(/\s+/).includes(EXCHANGE_SPF_INCLUDE);
  return has
    ? { id: 'spf', title, state: 'ready', found: text }
    : { id: 'spf', title: 'SPF does not include Exchange Online', state: 'not-ready', found: text, fix: fixFor(text) };
}

function assessAutodiscover(domain: string, answer: DnsAnswer<CnameRecord>): DnsCheck {
  const fix = `autodiscover.${domain}. 3600 IN CNAME ${EXCHANGE_AUTODISCOVER}.`;
  const title = 'Autodiscover points at Exchange Online';
  if (answer.status === 'error') return { id: 'autodiscover', title, state: 'not-ready', found: `no answer (${answer.detail})`, fix };
  if (answer.status === 'nxdomain' || answer.records.length === 0)
    return { id: 'autodiscover', title, state: 'not-ready', found: 'no autodiscover CNAME', fix };
  const target = answer.records[0].target;
  if (target === EXCHANGE_AUTODISCOVER) return { id: 'autodiscover', title, state: 'ready', found: target };
  return { id: 'autodiscover', title: 'Autodiscover points elsewhere', state: 'not-ready', found: target, fix };
}

/** Several resolvers' views of one switch: visible everywhere only when every one sees Exchange. */
export function switchVisibility(readings: { resolver: string; mx: MxReading }[]): {
  visibleEverywhere: boolean;
  seenBy: string[];
  notYet: string[];
} {
  const seenBy = readings.filter((r) => r.mx.state === 'exchange').map((r) => r.resolver);
  const notYet = readings.filter((r) => r.mx.state !== 'exchange').map((r) => r.resolver);
  return { visibleEverywhere: readings.length > 0 && notYet.length === 0, seenBy, notYet };
}
