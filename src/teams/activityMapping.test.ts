import { textOf } from './activityMapping';

describe('textOf', () => {
  it('turns Teams HTML into the command text', () => {
    expect(textOf({ text: 'batch new pilot<br>EmailAddress,UserName,Password<br/>a@b.cd,a,p&amp;w&lt;1&gt;' })).toBe(
      'batch new pilot\nEmailAddress,UserName,Password\na@b.cd,a,p&w<1>',
    );
    expect(textOf({ text: '<p>help</p>' })).toBe('help');
    expect(textOf({ text: '<at>Someone</at> help' })).toBe('help');
  });

  // Every pattern must be linear: the old /<[^>]+>/ took minutes on these.
  const MB = 1024 * 1024;
  const hostile: [string, string][] = [
    ['many < and no >', '<p>' + '<'.repeat(MB)],
    ['many <a and no >', '<p>' + '<a'.repeat(MB / 2)],
    ['open tags full of spaces', '<br' + ' '.repeat(MB) + '<p x'],
    ['many <at> with no end', '<at>'.repeat(MB / 4)],
    ['entities and brackets', '&amp;<'.repeat(MB / 6)],
  ];
  it.each(hostile)('handles a 1 MB hostile message (%s) in well under a second', (_name, text) => {
    const t0 = performance.now();
    textOf({ text });
    expect(performance.now() - t0).toBeLessThan(1000);
  });
});
