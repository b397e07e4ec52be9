export * from './explain';
export * from './log-record';
export * from './match';
