import { createHash } from 'node:crypto';

/**
 * SSH host key fingerprints in the form `ssh-keygen -lf` prints and operators
 * compare by eye: `SHA256:` and the unpadded base64 of the SHA-256 of the key blob.
 */
export const FINGERPRINT = /^SHA256:[A-Za-z0-9+/]{43}$/;

export function fingerprint(keyBlob: Buffer): string {
  return `SHA256:${createHash('sha256').update(keyBlob).digest('base64').replace(/=+$/, '')}`;
}

/** The key type named at the start of the blob (`ssh-ed25519`, `ecdsa-sha2-nistp256`, `ssh-rsa`). */
export function keyType(keyBlob: Buffer): string {
  if (keyBlob.length < 4) return 'unknown';
  const length = keyBlob.readUInt32BE(0);
  if (length === 0 || length > 64 || keyBlob.length < 4 + length) return 'unknown';
  return keyBlob.subarray(4, 4 + length).toString('latin1');
}

/** Where the PBX keeps the public half of a host key of that type, for "compare it on the console" hints. */
export function hostKeyFile(type: string): string {
  const name = type === 'ssh-ed25519' ? 'ed25519' : type.startsWith('ecdsa-') ? 'ecdsa' : type === 'ssh-rsa' ? 'rsa' : '*';
  return `/etc/ssh/ssh_host_${name}_key.pub`;
}
