import { createCipheriv, createDecipheriv, createHash, randomBytes } from 'node:crypto';

const PREFIX = 'enc:v1:';

/**
 * Encrypts secret config values at rest with AES-256-GCM when a key is configured;
 * without one, values are stored as given (and still never returned by the API).
 */
export class SecretBox {
  private readonly key: Buffer | null;

  constructor(secret: string | null) {
    this.key = secret ? createHash('sha256').update(secret).digest() : null;
  }

  seal(plain: string): string {
    if (!this.key) return plain;
    const iv = randomBytes(12);
    const cipher = createCipheriv('aes-256-gcm', this.key, iv);
    const data = Buffer.concat([cipher.update(plain, 'utf8'), cipher.final()]);
    const tag = cipher.getAuthTag();
    return `${PREFIX}${iv.toString('base64')}:${tag.toString('base64')}:${data.toString('base64')}`;
  }

  /** Whether open() would succeed for this stored value. */
  opens(stored: string): boolean {
    try {
      this.open(stored);
      return true;
    } catch {
      return false;
    }
  }

  /** Why a sealed value does not open, naming the setting to fix. */
  unreadableReason(): string {
    return this.key
      ? 'KUBESIM_SECRET_KEY is not the key it was sealed with'
      : 'it was sealed with a KUBESIM_SECRET_KEY and none is set';
  }

  open(stored: string): string {
    if (!stored.startsWith(PREFIX)) return stored;
    if (!this.key) throw new Error('a secret is encrypted but KUBESIM_SECRET_KEY is not set');
    const [iv, tag, data] = stored.slice(PREFIX.length).split(':');
    const decipher = createDecipheriv('aes-256-gcm', this.key, Buffer.from(iv, 'base64'));
    decipher.setAuthTag(Buffer.from(tag, 'base64'));
    return Buffer.concat([decipher.update(Buffer.from(data, 'base64')), decipher.final()]).toString(
      'utf8',
    );
  }
}

export const REDACTED = '******';
