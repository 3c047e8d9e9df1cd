import { isConflict, StoreConflictError } from './store';

describe('isConflict', () => {
  it("recognises the typed error and botbuilder's plain-text conflict, nothing else", () => {
    expect(isConflict(new StoreConflictError('k'))).toBe(true);
    expect(isConflict(new Error('Storage: error writing "msteams/bot/conversations/a:1" due to eTag conflict.'))).toBe(true);
    expect(isConflict(new Error('Storage: error writing "k": ECONNREFUSED'))).toBe(false);
    expect(isConflict(new Error('The specified container does not exist.'))).toBe(false);
    expect(isConflict('Storage: error writing "k" due to eTag conflict.')).toBe(false);
    expect(isConflict(undefined)).toBe(false);
  });
});
