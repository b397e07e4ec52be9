export * from './crm-detect';
export * from './diagnosis';
export * from './explain';
export * from './lenient-json';
export * from './log-record';
export * from './match';
export * from './resolve';
export * from './split';
