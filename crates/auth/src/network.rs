//! Binding a session to the client's network: a cookie replayed from elsewhere is refused.
//!
//! The default granularity is /24 for IPv4 and /64 for IPv6: mobile clients and home routers
//! change their address within those, attackers rarely share them.

use std::net::IpAddr;

/// The network `ip` belongs to at the given prefix lengths, e.g. `192.0.2.0/24`.
/// IPv4-mapped IPv6 addresses count as IPv4.
pub fn network_of(ip: IpAddr, v4_prefix: u8, v6_prefix: u8) -> String {
    let ip = match ip {
        IpAddr::V6(v6) => v6.to_ipv4_mapped().map(IpAddr::V4).unwrap_or(ip),
        v4 => v4,
    };
    match ip {
        IpAddr::V4(v4) => {
            let p = v4_prefix.min(32);
            let mask = if p == 0 {
                0
            } else {
                u32::MAX << (32 - u32::from(p))
            };
            format!("{}/{p}", std::net::Ipv4Addr::from(u32::from(v4) & mask))
        }
        IpAddr::V6(v6) => {
            let p = v6_prefix.min(128);
            let mask = if p == 0 {
                0
            } else {
                u128::MAX << (128 - u32::from(p))
            };
            format!("{}/{p}", std::net::Ipv6Addr::from(u128::from(v6) & mask))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn networks() {
        let ip = |s: &str| s.parse::<IpAddr>().unwrap();
        assert_eq!(network_of(ip("192.0.2.77"), 24, 64), "192.0.2.0/24");
        assert_eq!(network_of(ip("192.0.2.77"), 32, 64), "192.0.2.77/32");
        assert_eq!(network_of(ip("::ffff:192.0.2.77"), 24, 64), "192.0.2.0/24");
        assert_eq!(
            network_of(ip("2001:db8:1:2:3:4:5:6"), 24, 64),
            "2001:db8:1:2::/64"
        );
        assert_eq!(network_of(ip("2001:db8::1"), 24, 0), "::/0");
        assert_ne!(
            network_of(ip("192.0.2.1"), 24, 64),
            network_of(ip("192.0.3.1"), 24, 64)
        );
    }
}
