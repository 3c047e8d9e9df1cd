// A bare InvokeCommand client for the emulator's tests: plain fetch over loopback, so the
// tests see exactly the bytes a real client would.

import type { RunningExchangeEmulator } from '../../src/emulator/exchange';

export interface Reply {
  status: number;
  headers: Headers;
  text: string;
  body: any; // parsed JSON when the body is JSON
}

export function invokeUrl(emu: RunningExchangeEmulator, tenant = emu.tenantId, version = 'beta'): string {
  return `${emu.baseUrl}/adminapi/${version}/${tenant}/InvokeCommand`;
}

export async function post(url: string, token: string | null, payload: unknown, headers: Record<string, string> = {}): Promise<Reply> {
  const res = await fetch(url, {
    method: 'POST',
    headers: {
      'Content-Type': 'application/json',
      ...(token ? { Authorization: `Bearer ${token}` } : {}),
      ...headers,
    },
    body: JSON.stringify(payload),
  });
  // A body can be undecodable (the 403's NUL bytes declared as gzip): text is then null.
  const text = await res.text().catch(() => null as unknown as string);
  let body: any = undefined;
  try {
    body = JSON.parse(text);
  } catch {
    body = undefined;
  }
  return { status: res.status, headers: res.headers, text, body };
}

export function cmd(name: string, parameters: Record<string, unknown> = {}) {
  return { CmdletInput: { CmdletName: name, Parameters: parameters } };
}

export async function invoke(
  emu: RunningExchangeEmulator,
  name: string,
  parameters: Record<string, unknown> = {},
  headers: Record<string, string> = {},
): Promise<Reply> {
  return post(invokeUrl(emu), emu.accessToken, cmd(name, parameters), headers);
}

/** Invoke and expect a 200; returns the rows. */
export async function rows(emu: RunningExchangeEmulator, name: string, parameters: Record<string, unknown> = {}): Promise<any[]> {
  const r = await invoke(emu, name, parameters);
  if (r.status !== 200) throw new Error(`${name} -> ${r.status} ${r.text}`);
  return r.body.value;
}

export async function one(emu: RunningExchangeEmulator, name: string, parameters: Record<string, unknown> = {}): Promise<any> {
  const v = await rows(emu, name, parameters);
  if (v.length !== 1) throw new Error(`${name} returned ${v.length} rows`);
  return v[0];
}

/** details[0].message split into ErrorId | ExceptionType | Text. */
export function detail(r: Reply): { errorId: string; type: string; text: string } {
  const [errorId, type, ...text] = String(r.body?.error?.details?.[0]?.message ?? '').split('|');
  return { errorId, type, text: text.join('|') };
}

/** The CSV as the module sends byte[]: {"@odata.type":"#Exchange.ByteArrayType","Data":[ints]}. */
export function csvData(text: string) {
  return { '@odata.type': '#Exchange.ByteArrayType', Data: [...Buffer.from(text, 'utf8')] };
}

export const PILOT_CSV =
  'EmailAddress,UserName,Password\r\n' +
  'terrya@contoso.edu,terry.adams,1091990\r\n' +
  'annb@contoso.edu,ann.beebe,2111991\r\n' +
  'paulc@contoso.edu,paul.cannon,3281986\r\n';

export async function newEndpoint(emu: RunningExchangeEmulator, name = 'contoso-imap', extra: Record<string, unknown> = {}) {
  return one(emu, 'New-MigrationEndpoint', { IMAP: true, Name: name, RemoteServer: 'imap.contoso.edu', Port: 993, Security: 'Ssl', ...extra });
}
