/** Every migration, in order. `npm run migration:generate` appends to this list. */
import { PodLabels1796163486083 } from './1796163486083-PodLabels';
import { NodePodsVersion1795309916496 } from './1795309916496-NodePodsVersion';
import { Initial1795308695448 } from './1795308695448-Initial';
export const MIGRATIONS: Function[] = [Initial1795308695448, NodePodsVersion1795309916496, PodLabels1796163486083];
