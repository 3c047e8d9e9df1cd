// A self-signed certificate for a loopback test server, made with openssl: `dir` receives
// key.pem and cert.pem (Dovecot reads the files), and the PEM texts come back for Node servers.

import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';

export interface TestCertificate {
  key: string;
  cert: string;
  keyPath: string;
  certPath: string;
}

/** `subjectAltName` as openssl takes it, e.g. 'DNS:localhost,IP:127.0.0.1'. */
export function selfSignedCertificate(dir: string, commonName: string, subjectAltName: string): TestCertificate {
  const keyPath = path.join(dir, 'key.pem');
  const certPath = path.join(dir, 'cert.pem');
  execFileSync(
    'openssl',
    [
      'req',
      '-x509',
      '-newkey',
      'rsa:2048',
      '-nodes',
      '-keyout',
      keyPath,
      '-out',
      certPath,
      '-days',
      '1',
      '-subj',
      `/CN=${commonName}`,
      '-addext',
      `subjectAltName=${subjectAltName}`,
    ],
    { stdio: 'ignore' },
  );
  return { key: fs.readFileSync(keyPath, 'utf8'), cert: fs.readFileSync(certPath, 'utf8'), keyPath, certPath };
}
