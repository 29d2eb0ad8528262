import { allocatedScore } from './scorers';
import { bestNode } from './select-node';
import { nodeView as node } from './testing/node-view';

describe('scores both resources (Kubernetes MostAllocated)', () => {
  it('is the mean of the cpu and memory fractions after placing', () => {
    const n = node(1, { cpuAllocatedM: 1000, memoryAllocatedMb: 2048 });
    // cpu (1000+1000)/4000 = 0.5, memory (2048+2048)/8192 = 0.5
    expect(allocatedScore({ cpuM: 1000, memoryMb: 2048 }, n)).toBe(50);
    // memory decides between nodes equal in cpu
    const roomy = node(2, { memoryTotalMb: 16384 });
    const tight = node(3, { memoryTotalMb: 4096 });
    const pod = { cpuM: 1000, memoryMb: 2048 };
    expect(bestNode('best-fit', pod, [roomy, tight])?.name).toBe('n3');
    expect(bestNode('worst-fit', pod, [roomy, tight])?.name).toBe('n2');
  });
});
