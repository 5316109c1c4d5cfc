//! Writes the sample capture that ships in the repository
//! (`samples/sample.pcap`): a small, deterministic mix of everyday traffic.
//!
//!     cargo run -p testkit --example make-sample -- samples/sample.pcap

use std::net::IpAddr;
use testkit::packet::{fragment_ipv4, Packet, ACK, SYN};
use testkit::{vxlan, Capture, PcapFormat, TcpConversation, MS, SEC};

fn ip(s: &str) -> IpAddr {
    s.parse().expect("literal address")
}

fn main() -> std::io::Result<()> {
    let out = std::env::args()
        .nth(1)
        .unwrap_or_else(|| "samples/sample.pcap".into());
    let t0: i64 = 1_764_000_000 * SEC;
    let mut cap = Capture::new();
    let client = ip("192.168.1.20");

    // Web browsing: a dozen HTTP exchanges to a few servers.
    for i in 0..12u16 {
        let server = ip(["93.184.216.34", "151.101.1.69", "104.16.132.229"][i as usize % 3]);
        let req = format!(
            "GET /page/{i} HTTP/1.1\r\nHost: example.com\r\nUser-Agent: sample/1.0\r\n\r\n"
        );
        let body = vec![b'x'; 200 + 97 * i as usize];
        let conv = TcpConversation::new(client, 50000 + i, server, 80, t0 + i as i64 * 7 * SEC)
            .handshake()
            .client_sends(req.as_bytes())
            .server_sends(&body)
            .close();
        cap.extend(conv.frames());
    }
    // A connection refused, and two unanswered attempts.
    cap.extend(
        TcpConversation::new(client, 50100, ip("10.0.0.5"), 23, t0 + 3 * SEC)
            .rejected()
            .frames(),
    );
    for (k, port) in [(0, 3389u16), (1, 445)] {
        let syn = Packet::tcp(client, 50200 + k, ip("10.0.0.6"), port)
            .flags(SYN)
            .seq(77);
        cap.push(t0 + (20 + k as i64) * SEC, syn.build());
    }
    // DNS lookups and replies.
    for i in 0..10u16 {
        let name = format!("host{i}.example.com");
        let id = 0x1200 + i;
        let q = Packet::udp(client, 40000 + i, ip("192.168.1.1"), 53)
            .payload(&testkit::dns::message(id, &name, None));
        let answer = Some(([93, 184, 216, 34 + i as u8], 300));
        let r = Packet::udp(ip("192.168.1.1"), 53, client, 40000 + i)
            .payload(&testkit::dns::message(id, &name, answer));
        cap.push(t0 + i as i64 * 9 * SEC, q.build());
        cap.push(t0 + i as i64 * 9 * SEC + 15 * MS, r.build());
    }
    // NTP, and a ping.
    cap.push(
        t0 + 30 * SEC,
        Packet::udp(client, 123, ip("162.159.200.1"), 123)
            .payload(&[0x23; 48])
            .build(),
    );
    cap.push(
        t0 + 30 * SEC + 20 * MS,
        Packet::udp(ip("162.159.200.1"), 123, client, 123)
            .payload(&[0x24; 48])
            .build(),
    );
    for s in 0..4u16 {
        cap.push(
            t0 + (40 + s as i64) * SEC,
            Packet::icmp_echo(client, ip("8.8.8.8"), 9, s, false)
                .payload(&[0; 56])
                .build(),
        );
        cap.push(
            t0 + (40 + s as i64) * SEC + 12 * MS,
            Packet::icmp_echo(ip("8.8.8.8"), client, 9, s, true)
                .payload(&[0; 56])
                .build(),
        );
    }
    // IPv6 and a VLAN-tagged session.
    let v6 = TcpConversation::new(
        ip("2001:db8::20"),
        51000,
        ip("2001:db8:1::80"),
        443,
        t0 + 50 * SEC,
    )
    .handshake()
    .client_sends(&[0x16; 300])
    .server_sends(&[0x16; 1200])
    .close();
    cap.extend(v6.frames());
    let tagged = TcpConversation::new(ip("10.20.0.7"), 52000, ip("10.20.0.8"), 22, t0 + 60 * SEC)
        .vlan(20)
        .handshake()
        .client_sends(b"SSH-2.0-sample\r\n")
        .server_sends(b"SSH-2.0-server\r\n")
        .close();
    cap.extend(tagged.frames());
    // A fragmented UDP datagram.
    let big = Packet::udp(client, 5004, ip("192.168.1.30"), 5004)
        .payload(&[0xab; 3000])
        .build_ip();
    for (k, frag) in fragment_ipv4(&big, 1400).into_iter().enumerate() {
        cap.push(
            t0 + 70 * SEC + k as i64 * MS,
            testkit::packet::ethernet(([2, 0, 0, 0, 0, 1], [2, 0, 0, 0, 0, 2]), &[], &frag),
        );
    }
    // A ping carried in VXLAN.
    for s in 0..2u16 {
        let inner = Packet::icmp_echo(ip("10.99.0.1"), ip("10.99.0.2"), 3, s, false)
            .payload(&[1; 32])
            .build();
        let outer = vxlan(ip("192.168.56.11"), 40000, ip("192.168.56.12"), 42, &inner);
        cap.push(t0 + (80 + s as i64) * SEC, outer.build());
    }
    // A stray ACK for a connection that started before the capture.
    cap.push(
        t0 + 90 * SEC,
        Packet::tcp(client, 49999, ip("93.184.216.34"), 443)
            .flags(ACK)
            .seq(10)
            .ack(20)
            .build(),
    );

    cap.sorted().write(
        std::path::Path::new(&out),
        PcapFormat::Pcap {
            nanos: false,
            big_endian: false,
        },
    )
}
