// Preload (`node -r test/support/loopback.cjs …`) for programs that have no host option
// (the Agents Playground calls listen(port)): binds them to 127.0.0.1 instead of every
// interface. Unix sockets, handles and explicit hosts are left alone.
'use strict';
const net = require('node:net');

const HOST = process.env.LOOPBACK_HOST || '127.0.0.1';
const listen = net.Server.prototype.listen;

net.Server.prototype.listen = function patchedListen(...args) {
  const first = args[0];
  const isPort = typeof first === 'number' || (typeof first === 'string' && /^\d+$/.test(first));
  if (isPort && typeof args[1] !== 'string') {
    args.splice(1, 0, HOST);
  } else if (first === undefined || typeof first === 'function') {
    args.unshift(0, HOST);
  } else if (
    first &&
    typeof first === 'object' &&
    !Array.isArray(first) &&
    first.path === undefined &&
    first.fd === undefined &&
    !first._handle &&
    !first.handle
  ) {
    if (first.host === undefined) args[0] = { ...first, host: HOST };
  }
  return listen.apply(this, args);
};
