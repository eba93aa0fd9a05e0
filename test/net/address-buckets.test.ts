/** Which counters a visitor's address counts toward: the visitor, and the wider blocks around it. */
import { describe, expect, it } from 'vitest';
import { addressBuckets } from '../../src/net/address-buckets.js';

const keys = (address: string | undefined) => addressBuckets(address).map((b) => `${b.scope} ${b.key}`);

describe('address buckets', () => {
  it('counts an IPv4 address and its /24', () => {
    expect(keys('192.0.2.7')).toEqual(['ipv4 192.0.2.7', 'ipv4/24 192.0.2.0/24']);
    expect(keys('192.0.2.200')[1]).toBe(keys('192.0.2.7')[1]);
    expect(keys('192.0.3.7')[1]).not.toBe(keys('192.0.2.7')[1]);
  });

  it('counts IPv4-mapped IPv6 as the IPv4 address it carries, however it is written', () => {
    for (const mapped of ['::ffff:192.0.2.7', '::FFFF:192.0.2.7', '0:0:0:0:0:ffff:192.0.2.7', '::ffff:c000:207']) {
      expect(keys(mapped), mapped).toEqual(keys('192.0.2.7'));
    }
  });

  it('counts a whole IPv6 /64 as one visitor, inside its /56 and /48', () => {
    expect(keys('2001:db8:1:2:aaaa::1')).toEqual(['ipv6/64 2001:db8:1:2::/64', 'ipv6/56 2001:db8:1:0::/56', 'ipv6/48 2001:db8:1::/48']);
    for (const same of ['2001:db8:1:2:bbbb:cccc:dddd:eeee', '2001:0DB8:0001:0002::9', '2001:db8:1:2::', '2001:db8:1:2::1%eth0', '2001:db8:1:2:0:0:1.2.3.4']) {
      expect(keys(same), same).toEqual(keys('2001:db8:1:2:aaaa::1'));
    }
  });

  it('keeps /64s of one /56 apart, but together in their /56 and /48', () => {
    const [a64, a56, a48] = keys('2001:db8:1:2ff::1');
    const [b64, b56, b48] = keys('2001:db8:1:200::1');
    expect(a64).not.toBe(b64);
    expect(a56).toBe('ipv6/56 2001:db8:1:200::/56');
    expect(b56).toBe(a56);
    expect(b48).toBe(a48);
    // The next /56 of the same /48.
    const [, c56, c48] = keys('2001:db8:1:300::1');
    expect(c56).not.toBe(a56);
    expect(c48).toBe(a48);
    expect(keys('2001:db8:2:200::1')[2]).not.toBe(a48);
  });

  it('handles the compressed corner cases', () => {
    expect(keys('::1')).toEqual(['ipv6/64 0:0:0:0::/64', 'ipv6/56 0:0:0:0::/56', 'ipv6/48 0:0:0::/48']);
    expect(keys('::')[0]).toBe('ipv6/64 0:0:0:0::/64');
    expect(keys('fe80::1:2:3:4')[0]).toBe('ipv6/64 fe80:0:0:0::/64');
    expect(keys('1:2:3:4:5:6:7::')[0]).toBe('ipv6/64 1:2:3:4::/64');
  });

  it('puts a missing or malformed address in one shared bucket', () => {
    expect(addressBuckets(undefined)).toEqual([{ scope: 'unknown', key: 'unknown' }]);
    for (const bad of ['', 'not an address', '2001:db8::1::2', '1:2:3:4:5:6:7:8:9', '300.1.1.1']) {
      expect(addressBuckets(bad), bad).toEqual([{ scope: 'unknown', key: 'unknown' }]);
    }
  });
});
