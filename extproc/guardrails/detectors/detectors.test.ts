// Table tests for every built-in detector: each row is a text and exactly the spans the
// detector must find in it (an empty list: the text must not fire).
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { BUILTIN_DETECTORS, compilePattern, patternLabel } from '.';
import { luhnValid } from './credit-card';
import { ibanValid } from './iban';

type Row = [text: string, expected: string[]];

const TABLES: Record<keyof typeof BUILTIN_DETECTORS, Row[]> = {
  Email: [
    ['write to john.doe+tag@example.co.uk today', ['john.doe+tag@example.co.uk']],
    ['a@b.io, c_d@sub.example.org.', ['a@b.io', 'c_d@sub.example.org']],
    ['user@localhost has no TLD', []],
    ['@handle and foo@ and @@', []],
    ['price is 5@3 for two', []],
    ['.leading.dot@example.com', ['leading.dot@example.com']],
  ],
  Phone: [
    ['call +1 415 555 0100 now', ['+1 415 555 0100']],
    ['+44 (20) 7946 0958', ['+44 (20) 7946 0958']],
    ['e164 +4915123456789.', ['+4915123456789']],
    ['US (415) 555-0100 or 415.555.0100 or 415 555 0100', ['(415) 555-0100', '415.555.0100', '415 555 0100']],
    ['with trunk 1-800-555-0199', ['1-800-555-0199']],
    ['UK 020 7946 0958 and 07700 900123', ['020 7946 0958', '07700 900123']],
    ['order id 4815162342 shipped', []],
    ['order ORD-415-555-0100 and A4155550100', []],
    ['tracking 12345678901234567890', []],
    ['date 2024-01-15, version 1.2.3, ip 10.0.0.1', []],
    ['mixed separators 415-555.0100', []],
    ['area code must not start 0/1: 115-555-0100', []],
    ['+12 too short', []],
  ],
  CreditCard: [
    ['visa 4111 1111 1111 1111 exp', ['4111 1111 1111 1111']],
    ['dashed 5500-0000-0000-0004', ['5500-0000-0000-0004']],
    ['amex 378282246310005 and 3782 822463 10005', ['378282246310005', '3782 822463 10005']],
    ['discover 6011111111111117', ['6011111111111117']],
    ['fails luhn 4111 1111 1111 1112', []],
    ['luhn-valid but no issuer 0000000000000000', []],
    ['luhn-valid unknown range 1234567812345670', []],
    ['too long 41111111111111111111', []],
    ['followed by year 4111 1111 1111 1111 2025', ['4111 1111 1111 1111']],
  ],
  IBAN: [
    ['pay DE89 3704 0044 0532 0130 00 now', ['DE89 3704 0044 0532 0130 00']],
    ['GB82WEST12345698765432', ['GB82WEST12345698765432']],
    ['FR1420041010050500013M02606', ['FR1420041010050500013M02606']],
    ['bad check DE89370400440532013001', []],
    ['wrong length DE8937040044053201300', []],
    ['lower case de89370400440532013000', []],
  ],
  USSSN: [
    ['ssn 123-45-6789.', ['123-45-6789']],
    ['spaced 123 45 6789', ['123 45 6789']],
    ['area 666-12-3456', []],
    ['area 000-12-3456 and 900-12-3456', []],
    ['group 123-00-6789', []],
    ['serial 123-45-0000', []],
    ['bare 123456789 or mixed 123-45 6789', []],
    ['longer 1123-45-6789 or 123-45-67890', []],
  ],
  IPAddress: [
    ['host 192.168.1.10 up', ['192.168.1.10']],
    ['edge 0.0.0.0 and 255.255.255.255.', ['0.0.0.0', '255.255.255.255']],
    ['v6 2001:db8::8a2e:370:7334 and fe80:0:0:0:0:0:0:1', ['2001:db8::8a2e:370:7334', 'fe80:0:0:0:0:0:0:1']],
    ['mapped ::ffff:192.0.2.1', ['::ffff:192.0.2.1']],
    ['bad octet 256.1.1.1 and 1.2.3', []],
    ['version 1.2.3.4.5', []],
    ['time 12:30:45 and std::vector and ::1', []],
  ],
  APIKey: [
    ['openai sk-proj-abcdefghijklmnopqrstuvwxyz012345', ['sk-proj-abcdefghijklmnopqrstuvwxyz012345']],
    [
      'legacy sk-abcdefghijklmnopqrstuvwxyz0123456789ABCDEFGHIJKL',
      ['sk-abcdefghijklmnopqrstuvwxyz0123456789ABCDEFGHIJKL'],
    ],
    ['anthropic sk-ant-api03-abcdefghijklmnopqrstuvwxyz', ['sk-ant-api03-abcdefghijklmnopqrstuvwxyz']],
    ['aws AKIAIOSFODNN7EXAMPLE and ASIAY34FZKBOKMUTVV7A', ['AKIAIOSFODNN7EXAMPLE', 'ASIAY34FZKBOKMUTVV7A']],
    [
      `github ghp_${'a1'.repeat(18)} github_pat_11ABCDEFG0123456789_abcdefghijkl`,
      [`ghp_${'a1'.repeat(18)}`, 'github_pat_11ABCDEFG0123456789_abcdefghijkl'],
    ],
    ['slack xoxb-123456789012-abcdefABCDEF', ['xoxb-123456789012-abcdefABCDEF']],
    [`google AIza${'Sy'.repeat(17)}X`, [`AIza${'Sy'.repeat(17)}X`]],
    [`stripe sk_live_${'4eC39HqLyjWDarjtT1zdp7dc'}`, ['sk_live_4eC39HqLyjWDarjtT1zdp7dc']],
    [
      'jwt eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0.dozjgNryP4J3jVmNHl0w5N',
      ['eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0.dozjgNryP4J3jVmNHl0w5N'],
    ],
    ['short sk-abc, task-sk-1, risk-assessment, AKIA123, ghp_short', []],
    ['stripe test key sk_test_4eC39HqLyjWDarjtT1zdp7dc', []],
  ],
  PrivateKey: [
    [
      'x\n-----BEGIN RSA PRIVATE KEY-----\nMIIEow\n-----END RSA PRIVATE KEY-----\ny',
      ['-----BEGIN RSA PRIVATE KEY-----\nMIIEow\n-----END RSA PRIVATE KEY-----'],
    ],
    ['-----BEGIN PRIVATE KEY-----\nMIIE', ['-----BEGIN PRIVATE KEY-----\nMIIE']],
    [
      '-----BEGIN OPENSSH PRIVATE KEY-----\nb3Bl\n-----END OPENSSH PRIVATE KEY-----',
      ['-----BEGIN OPENSSH PRIVATE KEY-----\nb3Bl\n-----END OPENSSH PRIVATE KEY-----'],
    ],
    ['-----BEGIN PUBLIC KEY-----\nMIIB\n-----END PUBLIC KEY-----', []],
    ['-----BEGIN CERTIFICATE-----\nMIIB', []],
  ],
};

for (const [name, rows] of Object.entries(TABLES)) {
  test(`detector ${name}`, () => {
    const detect = BUILTIN_DETECTORS[name as keyof typeof BUILTIN_DETECTORS];
    for (const [text, expected] of rows) {
      const found = detect(text).map((m) => text.slice(m.start, m.end));
      assert.deepEqual(found, expected, `${name} on ${JSON.stringify(text)}`);
    }
  });
}

test('Luhn and mod-97 checks', () => {
  assert.equal(luhnValid('4111111111111111'), true);
  assert.equal(luhnValid('4111111111111112'), false);
  assert.equal(ibanValid('DE89370400440532013000'), true);
  assert.equal(ibanValid('DE89370400440532013001'), false);
});

test('user patterns compile once, label from the name, and report invalid regexes', () => {
  const detect = compilePattern('employee-id', 'EMP-\\d{6}');
  assert.ok(!(detect instanceof Error));
  const text = 'ids EMP-123456 and EMP-654321';
  assert.deepEqual(
    detect(text).map((m) => [text.slice(m.start, m.end), m.label]),
    [
      ['EMP-123456', 'EMPLOYEE_ID'],
      ['EMP-654321', 'EMPLOYEE_ID'],
    ],
  );
  assert.ok(compilePattern('bad', '(unclosed') instanceof Error);
  assert.equal(patternLabel('9lives'), 'P_9LIVES');
  // A pattern that can match the empty string does not loop forever.
  const empty = compilePattern('empty', 'x*');
  assert.ok(!(empty instanceof Error));
  assert.deepEqual(
    empty('axxb').map((m) => [m.start, m.end]),
    [[1, 3]],
  );
});
