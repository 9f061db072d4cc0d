import assert from "node:assert/strict";
import { isLoopbackHost, isPrivateAddress, parseIpv6 } from "./address.ts";

Deno.test("isPrivateAddress() refuses loopback, private, link-local, multicast and unspecified IPv4", () => {
  for (
    const ip of [
      "0.0.0.0",
      "10.1.2.3",
      "100.64.0.1",
      "127.0.0.1",
      "127.255.255.254",
      "169.254.169.254",
      "172.16.0.1",
      "172.31.255.255",
      "192.168.1.1",
      "192.0.2.10",
      "198.18.0.1",
      "224.0.0.1",
      "239.255.255.250",
      "255.255.255.255",
    ]
  ) assert.equal(isPrivateAddress(ip), true, ip);
  for (const ip of ["8.8.8.8", "1.1.1.1", "172.32.0.1", "100.128.0.1", "93.184.216.34"]) {
    assert.equal(isPrivateAddress(ip), false, ip);
  }
});

Deno.test("isPrivateAddress() refuses the same in IPv6, IPv4-mapped and embedded forms", () => {
  for (
    const ip of [
      "::",
      "::1",
      "[::1]",
      "fe80::1",
      "fc00::1",
      "fd12:3456::1",
      "ff02::1",
      "2001:db8::1",
      "::ffff:127.0.0.1",
      "::ffff:7f00:1",
      "::ffff:10.0.0.1",
      "::ffff:169.254.169.254",
      "64:ff9b::192.168.0.1",
      "2002:c0a8:0101::1",
      "::127.0.0.1",
      "fe80::1%eth0",
      "not an address",
      "1::2::3",
    ]
  ) assert.equal(isPrivateAddress(ip), true, ip);
  for (const ip of ["2606:4700:4700::1111", "::ffff:8.8.8.8", "2a00:1450:4007:80e::200e"]) {
    assert.equal(isPrivateAddress(ip), false, ip);
  }
});

Deno.test("parseIpv6() expands :: and an IPv4 tail into eight groups", () => {
  assert.deepEqual(parseIpv6("::ffff:1.2.3.4"), [0, 0, 0, 0, 0, 0xffff, 0x0102, 0x0304]);
  assert.deepEqual(parseIpv6("1:2:3:4:5:6:7:8"), [1, 2, 3, 4, 5, 6, 7, 8]);
  assert.equal(parseIpv6("1:2:3:4:5:6:7"), null);
});

Deno.test("isLoopbackHost() knows localhost, 127/8 and ::1", () => {
  for (const h of ["localhost", "app.localhost", "127.0.0.1", "127.1.2.3", "[::1]", "::1"]) {
    assert.equal(isLoopbackHost(h), true, h);
  }
  for (const h of ["example.com", "10.0.0.1", "::2", "localhost.example.com"]) {
    assert.equal(isLoopbackHost(h), false, h);
  }
});
