export * from './curl';
export * from './normalize';
export * from './plan';
export * from './types';
