/** @type {import('jest').Config} */
module.exports = {
  preset: 'ts-jest',
  testEnvironment: 'node',
  roots: ['<rootDir>/src', '<rootDir>/test'],
  testMatch: ['**/*.test.ts'],
  reporters: ['default', '<rootDir>/jest.summary-reporter.js'],
  testTimeout: 30000,
  // Integration suites start servers; two workers match CI's two cores.
  maxWorkers: 2,
};
