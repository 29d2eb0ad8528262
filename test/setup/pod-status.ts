import { TestApp } from './test-app';

/** Polls the API until the named pod reaches the given status (10 s), and returns it. */
export async function waitForPodStatus(t: TestApp, name: string, status: string) {
  const deadline = Date.now() + 10000;
  for (;;) {
    const { body } = await t.http.get(`/pods/${name}`);
    if (body.status === status) return body;
    if (Date.now() > deadline)
      throw new Error(`pod ${name} stayed ${body.status}, expected ${status}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}
