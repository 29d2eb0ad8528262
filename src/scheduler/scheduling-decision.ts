import { DecisionWrite } from '../database/records';
import { DecisionExplanation } from './strategies/explain';
import { PodConstraints } from './strategies/types';

export interface PodToPlace {
  id: number;
  name: string;
  cpuReqM: number;
  memoryReqMb: number;
  /** nodeSelector, tolerations, required node affinity; absent or null: none */
  constraints?: PodConstraints | null;
}

/** What led to a decision: a pod's creation, a retry while pending, its node's failure. */
export type DecisionTrigger = DecisionWrite['trigger'];

/** The stored form of an explanation. */
export const toDecision = (trigger: DecisionTrigger, e: DecisionExplanation): DecisionWrite => ({
  trigger,
  algorithm: e.algorithm,
  nodeName: e.node,
  reason: e.reason,
  detail: e,
});

export type PlaceResult =
  { bound: true; nodeId: number; nodeName: string; ip: string } | { bound: false; reason: string };

/** The message of a pod's Scheduled event, as kube-scheduler words it. */
export const scheduledMessage = (pod: string, node: string) =>
  `Successfully assigned ${pod} to ${node}`;
