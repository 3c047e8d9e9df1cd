import { askHelp, chooseClient, currentStep, markDone, newProgress, parseClient, progressLine, STEP_ORDER, stepsFor, type MailClient } from './steps';

const now = new Date('2026-01-05T10:00:00Z');

describe('guide steps', () => {
  it('has the five steps in order for every client, with client-specific instructions', () => {
    const clients: MailClient[] = ['outlook-windows', 'outlook-new', 'outlook-mac', 'imap-other'];
    for (const c of clients) expect(stepsFor(c).map((s) => s.id)).toEqual([...STEP_ORDER]);
    const win = stepsFor('outlook-windows').find((s) => s.id === 'copy-contacts')!;
    expect(win.how.join(' ')).toMatch(/Move › Copy to Folder/);
    const tb = stepsFor('imap-other').find((s) => s.id === 'copy-contacts')!;
    expect(tb.how.join(' ')).toMatch(/Thunderbird/);
    expect(tb.importKind).toBe('contacts');
    const web = stepsFor('outlook-new').find((s) => s.id === 'default-address-book')!;
    expect(web.how.join(' ')).toMatch(/Outlook on the web/);
    expect(new Set(clients.map((c) => stepsFor(c)[0].how.join()))).toHaveProperty('size', 4);
  });

  it('parses client words', () => {
    expect(parseClient('Thunderbird')).toBe('imap-other');
    expect(parseClient('owa')).toBe('outlook-new');
    expect(parseClient('mac')).toBe('outlook-mac');
    expect(parseClient('outlook')).toBe('outlook-windows');
    expect(parseClient('lotus')).toBeNull();
  });

  it('resumes at the first step not done, finishes when all are, keeps help requests bounded', () => {
    let p = chooseClient(newProgress(now), 'outlook-mac', now);
    expect(currentStep(p)).toBe('add-account');
    p = markDone(p, 'copy-calendar', now);
    expect(currentStep(p)).toBe('add-account');
    p = markDone(p, 'add-account', now);
    expect(currentStep(p)).toBe('copy-contacts');
    expect(markDone(p, 'add-account', now)).toBe(p);
    for (const s of STEP_ORDER) p = markDone(p, s, now);
    expect(currentStep(p)).toBeNull();
    expect(p.finishedAt).toBe(now.toISOString());
    expect(progressLine(p)).toBe('all done');
    for (let i = 0; i < 30; i++) p = askHelp(p, 'copy-contacts', now, false);
    expect(p.help).toHaveLength(20);
    expect(progressLine(undefined)).toBe('not started');
  });
});
