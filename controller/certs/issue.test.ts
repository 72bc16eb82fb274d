// The CA and leaf certificates checked with node:crypto's X509Certificate (an independent
// parser): SANs, key usage, validity windows, the chain, and the rotation decision.
import assert from 'node:assert/strict';
import { createPrivateKey, X509Certificate } from 'node:crypto';
import { describe, test } from 'node:test';
import { createCa, issueLeaf } from './issue';
import { rotationNeeded, sansOf } from './rotation';

const DAY = 86_400_000;
const now = new Date('2026-01-01T00:00:00Z');
const ca = createCa({ now });
const server = issueLeaf(ca, {
  commonName: 'tollgate-controller',
  usage: 'server',
  sans: ['tollgate-controller.tollgate-system.svc', '127.0.0.1'],
  now,
});

void describe('certificates', () => {
  test('the CA is self-signed, a CA, and lives 10 years', () => {
    const cert = new X509Certificate(ca.cert);
    assert.equal(cert.ca, true);
    assert.ok(cert.checkIssued(cert));
    assert.ok(cert.verify(cert.publicKey));
    const years = (Date.parse(cert.validTo) - now.getTime()) / (365 * DAY);
    assert.ok(years > 9.9 && years < 10.1, `CA lifetime ${years} years`);
  });

  test('a server leaf chains to the CA and carries DNS and IP SANs', () => {
    const cert = new X509Certificate(server.cert);
    const caCert = new X509Certificate(ca.cert);
    assert.equal(cert.ca, false);
    assert.ok(cert.checkIssued(caCert));
    assert.ok(cert.verify(caCert.publicKey));
    assert.deepEqual(sansOf(cert), ['tollgate-controller.tollgate-system.svc', '127.0.0.1']);
    assert.ok(cert.checkHost('tollgate-controller.tollgate-system.svc'));
    assert.ok(cert.checkIP('127.0.0.1'));
    assert.equal(cert.checkHost('evil.example'), undefined);
    assert.deepEqual(cert.keyUsage, ['1.3.6.1.5.5.7.3.1']); // serverAuth
    const days = (Date.parse(cert.validTo) - now.getTime()) / DAY;
    assert.ok(Math.abs(days - 90) < 0.01, `leaf lifetime ${days} days`);
    assert.ok(Date.parse(cert.validFrom) < now.getTime(), 'backdated for clock skew');
    assert.ok(cert.checkPrivateKey(createPrivateKey(server.key)));
  });

  test('a client leaf is for clientAuth and is not verified by another CA', () => {
    const client = issueLeaf(ca, { commonName: 'tollgate-proxy', usage: 'client', now });
    const cert = new X509Certificate(client.cert);
    assert.deepEqual(cert.keyUsage, ['1.3.6.1.5.5.7.3.2']);
    const other = new X509Certificate(createCa({ now }).cert);
    assert.equal(cert.verify(other.publicKey), false);
  });

  test('rotation: only when less than a third of the lifetime is left, or the cert no longer fits', () => {
    const at = (days: number): Date => new Date(now.getTime() + days * DAY);
    const opts = { caPem: ca.cert, sans: ['tollgate-controller.tollgate-system.svc'] };
    assert.deepEqual(rotationNeeded(server.cert, { ...opts, now: at(1) }), {
      rotate: false,
      reason: 'valid',
    });
    assert.equal(rotationNeeded(server.cert, { ...opts, now: at(59) }).rotate, false);
    assert.deepEqual(rotationNeeded(server.cert, { ...opts, now: at(61) }), {
      rotate: true,
      reason: 'expiring',
    });
    assert.equal(rotationNeeded(server.cert, { ...opts, now: at(120) }).rotate, true);
    assert.equal(rotationNeeded(undefined, opts).reason, 'missing');
    assert.equal(rotationNeeded('garbage', opts).reason, 'unparsable');
    assert.equal(
      rotationNeeded(server.cert, { ...opts, caPem: createCa().cert, now: at(1) }).reason,
      'other CA',
    );
    const moreSans = { ...opts, sans: [...opts.sans, 'tollgate-controller.other.svc'], now: at(1) };
    assert.match(rotationNeeded(server.cert, moreSans).reason, /SANs changed/);
  });
});
