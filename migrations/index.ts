/** Every migration, in order. `npm run migration:generate` appends to this list. */
import { Initial1795308695448 } from './1795308695448-Initial';
export const MIGRATIONS: Function[] = [Initial1795308695448];
