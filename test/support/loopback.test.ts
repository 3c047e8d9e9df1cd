import { execFileSync } from 'node:child_process';
import path from 'node:path';

// loopback.cjs must turn every host-less listen() into a 127.0.0.1 bind.
describe('loopback.cjs preload', () => {
  const run = (code: string): string =>
    execFileSync(process.execPath, ['-r', path.join(__dirname, 'loopback.cjs'), '-e', code], { encoding: 'utf8', timeout: 10000 }).trim();

  it.each([
    ['listen(port, cb)', 's.listen(0, done)'],
    ['listen(cb)', 's.listen(done)'],
    ['listen({ port })', 's.listen({ port: 0 }, done)'],
  ])('%s binds 127.0.0.1', (_name, call) => {
    const out = run(`const s = require('http').createServer(); const done = () => { console.log(s.address().address); s.close(); }; ${call};`);
    expect(out).toBe('127.0.0.1');
  });

  it('leaves an explicit host alone', () => {
    const out = run(`const s = require('net').createServer(); s.listen(0, '0.0.0.0', () => { console.log(s.address().address); s.close(); });`);
    expect(out).toBe('0.0.0.0');
  });
});
