//! QUIC analyzer: arbitrary datagrams both ways, some of them wrapped into
//! validly protected Initial packets so that frame parsing and CRYPTO
//! reassembly behind decryption are reached too.
#![no_main]
use analyzers::{AnalyzerConfig, AppRecord, ConnInfo, Context, FuidGen, Kind};
use libfuzzer_sys::fuzz_target;
use records::Time;

/// The client's first Destination Connection ID of every sealed packet.
const DCID: &[u8] = &[0x83, 0x94, 0xc8, 0xf0, 0x3e, 0x51, 0x57, 0x08];

/// Splits the input into datagrams: a control byte (bit 0: from the
/// originator, bit 1: seal as an Initial), a length byte, the bytes.
fn datagrams(mut data: &[u8]) -> impl Iterator<Item = (bool, Vec<u8>)> + '_ {
    std::iter::from_fn(move || {
        let (&ctl, rest) = data.split_first()?;
        let (&len, rest) = rest.split_first()?;
        let n = (usize::from(len) * 8).min(rest.len());
        let (chunk, rest) = rest.split_at(n);
        data = rest;
        let is_orig = ctl & 1 == 1;
        let bytes = if ctl & 2 == 2 && chunk.len() >= 2 {
            analyzers::seal_quic_initial(is_orig, DCID, DCID, u16::from(ctl >> 2), chunk)
        } else {
            chunk.to_vec()
        };
        Some((is_orig, bytes))
    })
}

fuzz_target!(|data: &[u8]| {
    let info = ConnInfo {
        uid: "CFuzz",
        orig_h: "10.0.0.1".parse().unwrap(),
        orig_p: 50000,
        resp_h: "10.0.0.2".parse().unwrap(),
        resp_p: 443,
        proto: 17,
        local_orig: None,
        local_resp: None,
        start: records::Time(0),
    };
    let config = AnalyzerConfig::default();
    let mut fuids = FuidGen::new(Some(1));
    let mut sink: Vec<AppRecord> = Vec::new();
    let Some(mut analyzer) = Kind::Quic.create(17) else {
        return;
    };
    for (is_orig, datagram) in datagrams(data) {
        if datagram.is_empty() {
            continue;
        }
        let mut cx = Context::new(&info, Time(0), &config, &mut fuids, &mut sink);
        analyzer.deliver(&mut cx, is_orig, &datagram);
    }
    let mut cx = Context::new(&info, Time(0), &config, &mut fuids, &mut sink);
    analyzer.finish(&mut cx);
});
