// The repo's Agents Playground config makes its people the local demo tenant's, so the
// guide and imports work in `npm run dev`: every aadObjectId must be a Graph emulator user
// with the same address.

import * as fs from 'node:fs';
import * as path from 'node:path';
import { demoDirectory } from '../src/emulator/graph/directory';

describe('.m365agentsplayground.yml', () => {
  const text = fs.readFileSync(path.resolve(__dirname, '..', '.m365agentsplayground.yml'), 'utf8');
  const people = [...text.matchAll(/aadObjectId: (\S+)[\s\S]*?email: (\S+)/g)].map((m) => ({ id: m[1], email: m[2] }));

  it('maps every Playground person to a demo mailbox with the same address', () => {
    expect(people.length).toBe(6);
    const directory = demoDirectory();
    for (const p of people) {
      const user = directory.find((u) => u.id === p.id);
      expect(user?.mail).toBe(p.email);
    }
  });
});
