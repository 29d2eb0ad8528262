import { generateName, podTemplateHash, sameTemplate } from './template-hash';

const template = {
  metadata: { labels: { app: 'web' } },
  spec: { containers: [{ name: 'c', image: 'nginx:1' }] },
};

describe('podTemplateHash', () => {
  it('is stable, key order free, blind to its own label, and safe for names', () => {
    const reordered = {
      spec: { containers: [{ image: 'nginx:1', name: 'c' }] },
      metadata: { labels: { app: 'web' } },
    };
    const labelled = {
      ...template,
      metadata: { labels: { app: 'web', 'pod-template-hash': 'x' } },
    };
    const hash = podTemplateHash(template);
    expect(hash).toMatch(/^[bcdfghjklmnpqrstvwxz2456789]{1,10}$/);
    expect(podTemplateHash(reordered)).toBe(hash);
    expect(podTemplateHash(labelled)).toBe(hash);
    expect(sameTemplate(template, labelled)).toBe(true);
  });

  it('changes with the template and with the collision count', () => {
    const other = { ...template, spec: { containers: [{ name: 'c', image: 'nginx:2' }] } };
    expect(podTemplateHash(other)).not.toBe(podTemplateHash(template));
    expect(podTemplateHash(template, 1)).not.toBe(podTemplateHash(template));
    expect(sameTemplate(template, other)).toBe(false);
  });
});

describe('generateName', () => {
  it('adds five safe characters to the prefix', () => {
    expect(generateName('web-7d4b9c-', () => 0)).toBe('web-7d4b9c-bbbbb');
    expect(generateName('web-')).toMatch(/^web-[bcdfghjklmnpqrstvwxz2456789]{5}$/);
  });
});
