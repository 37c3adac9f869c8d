import { generateKeyPairSync } from 'node:crypto';

/** A fresh RSA private key in the PEM form ssh2 reads, optionally encrypted; no ssh-keygen needed. */
export function rsaPrivateKey(passphrase?: string): string {
  return generateKeyPairSync('rsa', {
    modulusLength: 2048,
    publicKeyEncoding: { type: 'pkcs1', format: 'pem' },
    privateKeyEncoding: { type: 'pkcs1', format: 'pem', ...(passphrase ? { cipher: 'aes-128-cbc', passphrase } : {}) },
  }).privateKey;
}
