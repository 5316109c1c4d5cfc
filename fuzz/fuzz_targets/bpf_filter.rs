//! Capture filters: any text as an expression, and a fixed set of filters
//! over any bytes as a packet of several link types.
#![no_main]
use libfuzzer_sys::fuzz_target;

const FILTERS: &[&str] = &[
    "tcp port 80 or udp port 53",
    "vlan and host 10.0.0.1",
    "tcp[tcpflags] & (tcp-syn|tcp-fin) != 0",
    "not net 192.168.0.0/16 and greater 100",
    "ip6 and icmp6 or mpls and ip",
    "udp[8:4] = 0x12345678 or ether[12:2] = 0x8100",
];

fuzz_target!(|data: &[u8]| {
    let Some((&selector, packet)) = data.split_first() else { return };
    if selector & 1 == 0 {
        if let Ok(text) = std::str::from_utf8(packet) {
            if let Ok(f) = capture::Filter::compile(text) {
                let _ = f.matches(1, &[0u8; 64]);
            }
        }
        return;
    }
    let linktype = [1u32, 101, 113, 276, 0, 108][(selector as usize >> 1) % 6];
    for text in FILTERS {
        if let Ok(f) = capture::Filter::compile(text) {
            let _ = f.matches(linktype, packet);
        }
    }
});
