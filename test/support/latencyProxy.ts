// A loopback TCP proxy in front of an IMAP server: holds every client→server chunk `ms` (so each
// round trip costs that much, as over a WAN) and counts open connections (so a test or the bench can
// see whether a connection cap held).

import net from 'node:net';

export interface LatencyProxy {
  port: number;
  open(): number;
  peak(): number;
  resetPeak(): void;
  close(): void;
}

/** A TCP proxy that delays every client→server chunk by `ms` and counts open connections. */
export function latencyProxy(upstreamPort: number, ms: number): Promise<LatencyProxy> {
  let open = 0;
  let peak = 0;
  const server = net.createServer((client) => {
    open++;
    peak = Math.max(peak, open);
    const up = net.connect(upstreamPort, '127.0.0.1');
    let closed = false;
    const done = () => {
      if (closed) return;
      closed = true;
      open--;
      client.destroy();
      up.destroy();
    };
    client.on('data', (chunk) => setTimeout(() => !closed && up.write(chunk), ms));
    up.on('data', (chunk) => client.write(chunk));
    client.on('close', done);
    up.on('close', done);
    client.on('error', done);
    up.on('error', done);
  });
  return new Promise((resolve) =>
    server.listen(0, '127.0.0.1', () =>
      resolve({
        port: (server.address() as net.AddressInfo).port,
        open: () => open,
        peak: () => peak,
        resetPeak: () => (peak = open),
        close: () => server.close(),
      }),
    ),
  );
}
