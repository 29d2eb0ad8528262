/** Every migration, in order. `npm run migration:generate` appends to this list. */
import { HorizontalPodAutoscalers1796212736568 } from './1796212736568-HorizontalPodAutoscalers';
import { Namespaces1796180221375 } from './1796180221375-Namespaces';
import { SchedulingConstraints1796180303123 } from './1796180303123-SchedulingConstraints';
import { Workloads1796180164081 } from './1796180164081-Workloads';
import { ContainerLogs1796181655220 } from './1796181655220-ContainerLogs';
import { PodLifecycle1796180365866 } from './1796180365866-PodLifecycle';
import { ServicesAndNetworkPolicies1796182386200 } from './1796182386200-ServicesAndNetworkPolicies';
import { OptionalEmptyDirSizeAndPath1796161038704 } from './1796161038704-OptionalEmptyDirSizeAndPath';
import { PodSpecVersion1796161120582 } from './1796161120582-PodSpecVersion';
import { PodLabels1796163486083 } from './1796163486083-PodLabels';
import { SchedulingDecisions1796163853361 } from './1796163853361-SchedulingDecisions';
import { NodePodsVersion1795309916496 } from './1795309916496-NodePodsVersion';
import { Initial1795308695448 } from './1795308695448-Initial';
import { Jobs1796183600000 } from './1796183600000-Jobs';
import { DaemonSets1796230000000 } from './1796230000000-DaemonSets';
import { ContainerLimits1796240000000 } from './1796240000000-ContainerLimits';
export const MIGRATIONS: Function[] = [
  Initial1795308695448,
  NodePodsVersion1795309916496,
  OptionalEmptyDirSizeAndPath1796161038704,
  PodSpecVersion1796161120582,
  PodLabels1796163486083,
  SchedulingDecisions1796163853361,
  Workloads1796180164081,
  Namespaces1796180221375,
  SchedulingConstraints1796180303123,
  PodLifecycle1796180365866,
  ContainerLogs1796181655220,
  ServicesAndNetworkPolicies1796182386200,
  Jobs1796183600000,
  HorizontalPodAutoscalers1796212736568,
  DaemonSets1796230000000,
  ContainerLimits1796240000000,
];
