import { describe, expect, it } from 'vitest';
import { fingerprint, FINGERPRINT, hostKeyFile, keyType } from '../../src/pbx/host-key.js';

// A host key and what `ssh-keygen -lf` printed for it: 256 SHA256:SwKe... root@vm (ED25519)
const PUBLIC = 'AAAAC3NzaC1lZDI1NTE5AAAAIMMf847rq8xqneNWhie/gwbmhIjdPtUcZkXJjqPT/R7A';
const PRINTED = 'SHA256:SwKeDJ4fLfptlfOzXi7ecdbZiHizQxv6ggduPnS01To';

describe('host key fingerprints', () => {
  it('match what ssh-keygen -lf prints for the same key', () => {
    const blob = Buffer.from(PUBLIC, 'base64');

    expect(fingerprint(blob)).toBe(PRINTED);
    expect(FINGERPRINT.test(PRINTED)).toBe(true);
    expect(keyType(blob)).toBe('ssh-ed25519');
  });

  it.each([
    ['SHA256:SwKeDJ4fLfptlfOzXi7ecdbZiHizQxv6ggduPnS01To=', false],
    ['MD5:12:34:56', false],
    ['SwKeDJ4fLfptlfOzXi7ecdbZiHizQxv6ggduPnS01To', false],
  ])('refuses %s as a pinned fingerprint', (text, valid) => {
    expect(FINGERPRINT.test(text)).toBe(valid);
  });

  it('names the file the PBX console should fingerprint', () => {
    expect(hostKeyFile('ssh-ed25519')).toBe('/etc/ssh/ssh_host_ed25519_key.pub');
    expect(hostKeyFile('ecdsa-sha2-nistp256')).toBe('/etc/ssh/ssh_host_ecdsa_key.pub');
    expect(hostKeyFile('ssh-rsa')).toBe('/etc/ssh/ssh_host_rsa_key.pub');
    expect(keyType(Buffer.from([0, 0, 0, 200, 1]))).toBe('unknown');
  });
});
