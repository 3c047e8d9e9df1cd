import { ChildProcess, spawn } from 'node:child_process';
import net from 'node:net';
import path from 'node:path';
import { isConflict, mutate, StoreConflictError } from '../../src/ports/store';
import { ContainerClient } from '@azure/storage-blob';
import { BlobStore, blobNameFor } from '../../src/adapters/storage/blobStore';

// Azurite's public, well-known development account (not a secret).
const DEV_ACCOUNT_KEY = 'Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==';

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

function canConnect(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect(port, '127.0.0.1');
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}

describe('BlobStore on Azurite', () => {
  let azurite: ChildProcess;
  let connectionString: string;
  let exited = false;

  beforeAll(async () => {
    const port = await freePort();
    const main = path.join(__dirname, '../../node_modules/azurite/dist/src/blob/main.js');
    // Started with node directly and detached, so the recorded PID is the server's group.
    azurite = spawn(
      process.execPath,
      [main, '--blobHost', '127.0.0.1', '--blobPort', String(port), '--inMemoryPersistence', '--skipApiVersionCheck', '--disableTelemetry', '--silent'],
      { detached: true, stdio: 'ignore' },
    );
    azurite.once('exit', () => (exited = true));
    const deadline = Date.now() + 15_000;
    while (!(await canConnect(port))) {
      if (exited) throw new Error('Azurite exited before listening');
      if (Date.now() > deadline) throw new Error(`Azurite did not listen on ${port} within 15 s`);
      await new Promise((r) => setTimeout(r, 50));
    }
    connectionString =
      `DefaultEndpointsProtocol=http;AccountName=devstoreaccount1;AccountKey=${DEV_ACCOUNT_KEY};` + `BlobEndpoint=http://127.0.0.1:${port}/devstoreaccount1;`;
  }, 20_000);

  afterAll(async () => {
    if (azurite?.pid && !exited) {
      const gone = new Promise((r) => azurite.once('exit', r));
      process.kill(-azurite.pid, 'SIGTERM');
      await gone;
    }
  });

  it('writes, reads back with an eTag, and rejects a stale eTag as a typed conflict', async () => {
    const store = new BlobStore(connectionString, 'state');
    const key = 'msteams/bot/conversations/a:1 x/y';
    await store.write({ [key]: { step: 1, name: 'Zoë Ødegård' } });
    const got = await store.read([key, 'missing']);
    expect(Object.keys(got)).toEqual([key]);
    expect(got[key]).toMatchObject({ step: 1, name: 'Zoë Ødegård' });
    const first = got[key].eTag as string;
    expect(typeof first).toBe('string');

    await store.write({ [key]: { step: 2, eTag: first } });
    const err = await store.write({ [key]: { step: 3, eTag: first } }).catch((e) => e);
    expect(err).toBeInstanceOf(StoreConflictError);
    expect(isConflict(err)).toBe(true);
    expect((err as StoreConflictError).key).toBe(key);
    expect((await store.read([key]))[key].step).toBe(2);

    await store.write({ [key]: { step: 4, eTag: '*' } });
    expect((await store.read([key]))[key].step).toBe(4);
    await store.delete([key]);
    expect(await store.read([key])).toEqual({});
  });

  it('treats an eTag on a missing key as a conflict, like FileStore', async () => {
    const store = new BlobStore(connectionString, 'state');
    await expect(store.write({ never: { v: 1, eTag: '"0x8DC0000000000"' } })).rejects.toBeInstanceOf(StoreConflictError);
  });

  it('loses no update when mutate() calls race on a seeded key', async () => {
    const store = new BlobStore(connectionString, 'state');
    await store.write({ counter: { n: 0 } });
    await Promise.all(Array.from({ length: 8 }, () => mutate<{ n: number }>(store, 'counter', (cur) => ({ n: (cur?.n ?? 0) + 1 }), { attempts: 50 })));
    expect((await store.read(['counter'])).counter.n).toBe(8);
  });

  it('keeps long keys apart (no truncation) and odd keys round-trip', async () => {
    const store = new BlobStore(connectionString, 'state');
    const long = 'x/'.repeat(700);
    const a = `${long}a`;
    const b = `${long}b`;
    await store.write({ [a]: { who: 'a' }, [b]: { who: 'b' }, '.': { who: 'dot' }, 'end.': { who: 'end' } });
    const got = await store.read([a, b, '.', 'end.']);
    expect(got[a].who).toBe('a');
    expect(got[b].who).toBe('b');
    expect(got['.'].who).toBe('dot');
    expect(got['end.'].who).toBe('end');
    expect(blobNameFor(a).length).toBeLessThanOrEqual(1024);
  });

  it('reads state written in the botbuilder-azure-blobs layout (URL-encoded name, item JSON)', async () => {
    const container = new ContainerClient(connectionString, 'state');
    const key = 'msteams/conv 19:abc@thread.tacv2/state';
    const body = JSON.stringify({ step: 7, name: 'Zoë' });
    await container.getBlockBlobClient(encodeURIComponent(key)).upload(body, Buffer.byteLength(body));
    const store = new BlobStore(connectionString, 'state');
    expect((await store.read([key]))[key]).toMatchObject({ step: 7, name: 'Zoë' });
  });

  it('rejects a conditional write to a key deleted since it was read', async () => {
    const store = new BlobStore(connectionString, 'state');
    await store.write({ gone: { v: 1 } });
    const tag = (await store.read(['gone'])).gone.eTag as string;
    await store.delete(['gone', 'never-there']);
    await expect(store.write({ gone: { v: 2, eTag: tag } })).rejects.toBeInstanceOf(StoreConflictError);
    expect(await store.read(['gone'])).toEqual({});
  });
});
