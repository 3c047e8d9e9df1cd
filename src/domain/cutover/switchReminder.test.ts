import { dueSwitchReminder, type PlannedSwitch } from './switchReminder';

const at = new Date('2026-12-10T20:00:00Z');
const planned = (reminded: PlannedSwitch['reminded'] = []): PlannedSwitch => ({ at: at.toISOString(), by: 'Alex', timeZone: 'UTC', reminded });
const hoursBefore = (h: number) => new Date(at.getTime() - h * 3600_000);

describe('dueSwitchReminder', () => {
  it('posts nothing more than 24 h ahead', () => {
    expect(dueSwitchReminder(planned(), { now: hoursBefore(25), switched: false })).toBeNull();
  });

  it('posts the 24 h reminder once its time comes, and not again', () => {
    expect(dueSwitchReminder(planned(), { now: hoursBefore(23), switched: false })).toEqual({ id: '24h', mark: ['24h'] });
    expect(dueSwitchReminder(planned(['24h']), { now: hoursBefore(2), switched: false })).toBeNull();
  });

  it('posts the 1 h reminder after the 24 h one, once', () => {
    expect(dueSwitchReminder(planned(['24h']), { now: hoursBefore(0.5), switched: false })).toEqual({ id: '1h', mark: ['24h', '1h'] });
    expect(dueSwitchReminder(planned(['24h', '1h']), { now: hoursBefore(0.5), switched: false })).toBeNull();
  });

  it('planned less than an hour ahead: only the 1 h reminder, the 24 h one is passed over', () => {
    expect(dueSwitchReminder(planned(), { now: hoursBefore(0.5), switched: false })).toEqual({ id: '1h', mark: ['24h', '1h'] });
  });

  it('nothing once the switch is done or its time has passed', () => {
    expect(dueSwitchReminder(planned(), { now: hoursBefore(0.5), switched: true })).toBeNull();
    expect(dueSwitchReminder(planned(), { now: at, switched: false })).toBeNull();
    expect(dueSwitchReminder(undefined, { now: hoursBefore(0.5), switched: false })).toBeNull();
  });
});
