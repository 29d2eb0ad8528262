import { qosClass } from './qos-class';

const c = (cpuReq: number, memReq: number, cpuLimit: number | null, memLimit: number | null) => ({
  cpu_req_m: cpuReq,
  memory_req_mb: memReq,
  cpu_limit_m: cpuLimit,
  memory_limit_mb: memLimit,
});

describe("qosClass: Kubernetes' QoS classes", () => {
  it.each([
    // containers → class
    [[c(0, 0, null, null)], 'BestEffort'],
    [[c(0, 0, null, null), c(0, 0, null, null)], 'BestEffort'],
    [[c(250, 0, null, null)], 'Burstable'],
    [[c(0, 0, 500, null)], 'Burstable'],
    // limits equal to requests for both resources, in every container
    [[c(500, 64, 500, 64)], 'Guaranteed'],
    [[c(500, 64, 500, 64), c(100, 16, 100, 16)], 'Guaranteed'],
    [[c(500, 64, 500, 64), c(0, 0, null, null)], 'Burstable'],
    [[c(250, 64, 500, 64)], 'Burstable'],
    [[c(500, 64, 500, null)], 'Burstable'],
  ])('%j → %s', (containers, cls) => {
    expect(qosClass(containers)).toBe(cls);
  });
});
