// Time zone names Graph's dateTimeTimeZone accepts: Windows names (what Outlook writes as
// TZID) and IANA names (what Google, Apple and Thunderbird write). Anything else is converted
// to UTC from the file's own VTIMEZONE.

// The Windows zones people meet in exports; Graph takes the full Windows list.
export const WINDOWS_ZONES: readonly string[] = [
  'Dateline Standard Time',
  'UTC-11',
  'Hawaiian Standard Time',
  'Alaskan Standard Time',
  'Pacific Standard Time',
  'US Mountain Standard Time',
  'Mountain Standard Time',
  'Central America Standard Time',
  'Central Standard Time',
  'Canada Central Standard Time',
  'SA Pacific Standard Time',
  'Eastern Standard Time',
  'US Eastern Standard Time',
  'Atlantic Standard Time',
  'Newfoundland Standard Time',
  'E. South America Standard Time',
  'SA Eastern Standard Time',
  'Argentina Standard Time',
  'UTC-02',
  'Azores Standard Time',
  'Cape Verde Standard Time',
  'UTC',
  'GMT Standard Time',
  'Greenwich Standard Time',
  'W. Europe Standard Time',
  'Central Europe Standard Time',
  'Romance Standard Time',
  'Central European Standard Time',
  'W. Central Africa Standard Time',
  'GTB Standard Time',
  'E. Europe Standard Time',
  'Egypt Standard Time',
  'South Africa Standard Time',
  'FLE Standard Time',
  'Israel Standard Time',
  'Arabic Standard Time',
  'Arab Standard Time',
  'Russian Standard Time',
  'E. Africa Standard Time',
  'Iran Standard Time',
  'Arabian Standard Time',
  'Afghanistan Standard Time',
  'West Asia Standard Time',
  'Pakistan Standard Time',
  'India Standard Time',
  'Nepal Standard Time',
  'Central Asia Standard Time',
  'Bangladesh Standard Time',
  'Myanmar Standard Time',
  'SE Asia Standard Time',
  'China Standard Time',
  'Singapore Standard Time',
  'Taipei Standard Time',
  'W. Australia Standard Time',
  'Tokyo Standard Time',
  'Korea Standard Time',
  'Cen. Australia Standard Time',
  'AUS Central Standard Time',
  'E. Australia Standard Time',
  'AUS Eastern Standard Time',
  'Tasmania Standard Time',
  'West Pacific Standard Time',
  'Central Pacific Standard Time',
  'New Zealand Standard Time',
  'Tonga Standard Time',
];

const windows = new Set(WINDOWS_ZONES.map((z) => z.toLowerCase()));
let iana: Set<string> | null = null;

function ianaZones(): Set<string> {
  if (!iana) {
    const list = (Intl as unknown as { supportedValuesOf?: (k: string) => string[] }).supportedValuesOf?.('timeZone') ?? [];
    iana = new Set([...list, 'UTC', 'Etc/UTC', 'Etc/GMT'].map((z) => z.toLowerCase()));
  }
  return iana;
}

/** The name as Graph will take it, or null if Graph would not know it. */
export function graphTimeZone(tzid: string): string | null {
  // Old Thunderbird/Lightning exports prefix IANA names: /mozilla.org/20050126_1/Europe/London
  const t = tzid
    .trim()
    .replace(/^\/mozilla\.org\/[^/]+\//i, '')
    .replace(/^\//, '');
  if (windows.has(t.toLowerCase())) return WINDOWS_ZONES.find((z) => z.toLowerCase() === t.toLowerCase())!;
  if (ianaZones().has(t.toLowerCase())) return t;
  return null;
}
