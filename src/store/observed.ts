import type { Metrics } from '../metrics';
import type { Store } from './types';

/**
 * The same store, with every failed operation counted in crm_bot_store_errors_total (and a ping that
 * answers false counted as a failed ping). Behaviour is unchanged: errors still reach the caller.
 */
export function countStoreErrors(store: Store, metrics: Metrics): Store {
  return new Proxy(store, {
    get(target, property, receiver) {
      const value = Reflect.get(target, property, receiver);
      if (typeof value !== 'function' || property === 'close') return value;
      const operation = String(property);
      return (...args: unknown[]) => {
        const result = (value as (...a: unknown[]) => unknown).apply(target, args);
        if (!(result instanceof Promise)) return result;
        return result.then(
          (answer) => {
            if (operation === 'ping' && answer === false) metrics.storeErrors.inc({ operation });
            return answer;
          },
          (error: unknown) => {
            metrics.storeErrors.inc({ operation });
            throw error;
          },
        );
      };
    },
  });
}
