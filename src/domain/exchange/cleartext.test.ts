import { cleartextPasswordWarning } from './cleartext';

describe('cleartextPasswordWarning', () => {
  it('warns for None only, naming the server and both fixes', () => {
    const w = cleartextPasswordWarning({ identity: 'old', remoteServer: 'mail.example.org', port: 143, security: 'None' });
    expect(w).toMatch(/^Endpoint old uses security None: every user's password crosses the network to mail\.example\.org:143 in clear/);
    expect(w).toMatch(/endpoint add old mail\.example\.org 993 ssl/);
    expect(w).toMatch(/143 tls for STARTTLS/);
    expect(cleartextPasswordWarning({ identity: 'a', remoteServer: 'h', port: 993, security: 'Ssl' })).toBeNull();
    expect(cleartextPasswordWarning({ identity: 'a', remoteServer: 'h', port: 143, security: 'Tls' })).toBeNull();
  });
});
