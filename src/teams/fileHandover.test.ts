import { hostAllowed } from '../adapters/http/fileFetcher';
import { FileHandover, UploadError } from './fileHandover';

const production = new FileHandover({
  adapter: {} as never,
  botAppId: 'app',
  downloads: {} as never,
  findPersonal: async () => null,
  how: 'consent',
  uploadHostAllowed: (h) => hostAllowed(h, ['*.sharepoint.com']),
  allowLoopbackHttp: false,
  log: { debug: () => undefined, info: () => undefined, warn: () => undefined, error: () => undefined } as never,
});

test('production uploads go only to https SharePoint/OneDrive upload sessions, without credentials', () => {
  const ok = 'https://contoso-my.sharepoint.com/personal/alexw/_api/v2.0/drive/items/01ABC/uploadSession?guid=x';
  expect(production.checkUploadUrl(ok).hostname).toBe('contoso-my.sharepoint.com');
  for (const [url, why] of [
    ['http://contoso-my.sharepoint.com/upload', /not https/],
    ['http://127.0.0.1:8080/upload', /not https/], // loopback only in local mode
    ['https://127.0.0.1/upload', /not OneDrive or SharePoint/],
    ['https://169.254.169.254/latest/meta-data', /not OneDrive or SharePoint/],
    ['https://sharepoint.com.evil.example/upload', /not OneDrive or SharePoint/],
    ['https://user:pw@contoso-my.sharepoint.com/upload', /credentials/],
    ['', /no valid upload address/],
  ] as const) {
    expect(() => production.checkUploadUrl(url)).toThrow(UploadError);
    expect(() => production.checkUploadUrl(url)).toThrow(why);
  }
});
